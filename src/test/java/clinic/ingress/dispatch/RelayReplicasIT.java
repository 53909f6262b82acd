package clinic.ingress.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Replica;
import clinic.ingress.support.StreamTurns;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * Several replicas relaying the same backlog publish each turn once: rows are claimed, so the
 * relays share the work instead of repeating it. Two extra replicas poll every 100 ms in small
 * rounds, beside the replica the test framework started, so their rounds overlap all the time.
 */
@QuarkusIntegrationTest
class RelayReplicasIT {

    private static final int BACKLOG = 600;

    @Test
    void eachTurnOfASharedBacklogIsPublishedOnce() throws Exception {
        Db.TestClinic clinic = Db.clinic("relay-replicas");
        String[] quickRelay = { "ingress.dispatch.relay-interval=100ms", "ingress.dispatch.relay-batch=20" };
        try (Replica a = Replica.start(quickRelay);
                Replica b = Replica.start(quickRelay);
                StreamTurns stream = new StreamTurns()) {
            // A backlog as a Redis outage leaves it: stored messages whose turns are all waiting.
            Db.update(
                    """
                            WITH m AS (
                                INSERT INTO core.whatsapp_messages (instance_name, whatsapp_message_id, organization_id, clinic_id,
                                    patient_key, from_me, direction, body, message_timestamp)
                                SELECT ?, 'BACKLOG-' || g, ?, ?, '55119' || lpad(g::text, 7, '0'), false, 'inbound', 'backlog ' || g, now()
                                FROM generate_series(1, ?) g
                                RETURNING id)
                            INSERT INTO core.turn_outbox (message_id, created_at, available_at) SELECT id, now(), now() FROM m""",
                    clinic.instance(), clinic.organizationId(), clinic.clinicId(), BACKLOG);

            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> Db.outbox(clinic.clinicId()) == 0);
            List<Map<String, String>> turns = stream.ofClinic(clinic.clinicId());
            Map<String, Long> copies = turns.stream()
                    .collect(Collectors.groupingBy(t -> t.get("turnId"), Collectors.counting()));
            String relayed = "relayed by replica a: " + a.metric("ingress_turns_published_total{path=\"relay\"}")
                    + ", b: " + b.metric("ingress_turns_published_total{path=\"relay\"}");
            assertThat(copies).as(relayed).hasSize(BACKLOG);
            assertThat(copies.values()).as("copies of each turn in the stream; " + relayed).containsOnly(1L);
        }
    }
}
