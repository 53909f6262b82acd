package clinic.ingress.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Overrides;
import clinic.ingress.support.Turns;
import clinic.ingress.support.Webhooks;
import io.opentelemetry.api.trace.Span;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Tracing off, as shipped ({@code quarkus.otel.sdk.disabled=true}): no span is recorded and the turn
 * carries no traceparent, rather than the id of a trace that is exported nowhere.
 */
@QuarkusTest
@TestProfile(TracingOffTest.Off.class)
class TracingOffTest {

    public static class Off extends Overrides {
        public Off() {
            super("quarkus.otel.sdk.disabled", "true");
        }
    }

    @Inject
    Tracing tracing;
    @Inject
    RedisDataSource redis;

    @Test
    void turnsCarryNoTraceparentAndStepsRecordNothing() {
        Db.TestClinic clinic = Db.clinic("untraced");
        Webhooks.post(Evolution.text(clinic.instance(), "5511922220002", "sem rastreio")).statusCode(200);

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Turns.ofClinic(redis, clinic.clinicId()).size() == 1);
        assertThat(Turns.ofClinic(redis, clinic.clinicId()).get(0)).doesNotContainKey("traceparent");

        Span step = tracing.start("clinic.resolve");
        assertThat(step.isRecording()).isFalse();
        assertThat(Tracing.traceparent(step)).isNull();
        step.end();
    }
}
