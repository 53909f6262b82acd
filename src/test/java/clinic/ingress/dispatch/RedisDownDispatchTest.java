package clinic.ingress.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.ProxiedServersResource;
import clinic.ingress.support.Turns;
import clinic.ingress.support.Webhooks;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Redis stopped while 500 webhooks arrive: all answered 2xx, and once Redis is back every one of
 * the 500 turns is in the stream, each carrying its webhook's trace.
 */
@QuarkusTest
@WithTestResource(ProxiedServersResource.class)
class RedisDownDispatchTest {

    @Inject
    RedisDataSource directRedis;
    @Inject
    InMemorySpanExporter spans;

    @AfterEach
    void restore() {
        ProxiedServersResource.redis().up();
    }

    @Test
    void everyTurnReachesTheStreamAfterRedisReturns() {
        Db.TestClinic clinic = Db.clinic("redis-down-turns");
        ProxiedServersResource.redis().down();

        Set<String> turnIds = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            Map<String, Object> answer = Webhooks
                    .answer(Evolution.text(clinic.instance(), "55119" + (2000000 + i), "msg " + i));
            assertThat(answer).containsEntry("status", "accepted");
            turnIds.add((String) answer.get("messageId"));
        }
        assertThat(turnIds).hasSize(500);

        ProxiedServersResource.redis().up();

        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> Turns
                .ofClinic(directRedis, clinic.clinicId()).stream().map(t -> t.get("turnId")).toList().containsAll(turnIds));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Db.outbox(clinic.clinicId()) == 0);

        // Relayed turns continue their webhook's trace too: the traceparent stored with the outbox
        // row names the webhook's message.store span (or turn.publish, for a publish answered late).
        Set<String> stepSpans = spans.getFinishedSpanItems().stream()
                .filter(span -> Set.of("message.store", "turn.publish").contains(span.getName()))
                .map(span -> span.getTraceId() + "-" + span.getSpanId())
                .collect(Collectors.toSet());
        assertThat(Turns.ofClinic(directRedis, clinic.clinicId())).allSatisfy(turn -> {
            assertThat(turn.get("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
            assertThat(stepSpans).contains(turn.get("traceparent").substring(3, 52));
        });
    }
}
