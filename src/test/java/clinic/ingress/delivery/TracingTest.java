package clinic.ingress.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Turns;
import clinic.ingress.support.Webhooks;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * One trace per webhook: the server span with the steps as its children, and the turn carrying a
 * traceparent of that trace so the assistant can continue it. Spans carry no patient data.
 */
@QuarkusTest
class TracingTest {

    @Inject
    InMemorySpanExporter spans;
    @Inject
    RedisDataSource redis;

    @Test
    void aWebhookIsOneTraceAndItsTurnContinuesIt() {
        Db.TestClinic clinic = Db.clinic("traced");
        String phone = "5511922220001";
        Evolution event = Evolution.text(clinic.instance(), phone, "rastreado");
        Webhooks.post(event).statusCode(200);

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Turns.ofClinic(redis, clinic.clinicId()).size() == 1);
        String traceparent = Turns.ofClinic(redis, clinic.clinicId()).get(0).get("traceparent");
        assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
        String traceId = traceparent.split("-")[1];

        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(names(traceId))
                .contains("clinic.resolve", "message.store", "memory.lookup", "turn.publish"));
        List<SpanData> trace = trace(traceId);
        SpanData server = trace.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        assertThat(trace).filteredOn(s -> Set.of("clinic.resolve", "message.store", "memory.lookup", "turn.publish")
                .contains(s.getName()))
                .allSatisfy(step -> assertThat(step.getParentSpanId()).isEqualTo(server.getSpanId()));
        SpanData publish = trace.stream().filter(s -> s.getName().equals("turn.publish")).findFirst().orElseThrow();
        assertThat(traceparent.split("-")[2]).isEqualTo(publish.getSpanId());
        // No phone number, name or message text in any span attribute.
        assertThat(trace).allSatisfy(span -> assertThat(span.getAttributes().asMap().values().toString())
                .doesNotContain(phone, "rastreado", "Maria Souza"));
    }

    private List<SpanData> trace(String traceId) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    private Set<String> names(String traceId) {
        return trace(traceId).stream().map(SpanData::getName).collect(Collectors.toSet());
    }

}
