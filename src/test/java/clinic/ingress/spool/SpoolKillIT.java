package clinic.ingress.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Replica;
import clinic.ingress.support.StreamTurns;
import clinic.ingress.support.TcpProxy;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * The packaged service spools 300 messages while PostgreSQL is away, starts draining them once it is
 * back, and is killed with SIGKILL halfway; another replica drains the rest. Nothing acknowledged is
 * lost: every message is stored exactly once and turned. (A spool stream of the class's own, so that
 * the application the integration test runs beside it does not drain it first.)
 */
@QuarkusIntegrationTest
class SpoolKillIT {

    private static final String STREAM = "ingress.store.spool-stream=ingress:{spool-kill-it}";
    /** The dead replica's drain lease lapses in 3 s instead of 15: the test need not wait it out. */
    private static final String LEASE = "ingress.store.spool-drain-lease=3s";
    private static final int MESSAGES = 300;

    @Test
    void aReplicaKilledWhileDrainingLosesNothing() throws Exception {
        Db.TestClinic clinic = Db.clinic("spool-kill");
        List<String> sent = new ArrayList<>();
        try (TcpProxy postgres = new TcpProxy(5432)) {
            postgres.up();
            try (Replica first = Replica.start("quarkus.datasource.reactive.url=postgresql://127.0.0.1:" + postgres.port()
                    + "/clinic_ingress_test", STREAM, LEASE, "ingress.store.spool-drain-batch=10",
                    "ingress.webhook.store-timeout=1s")) {
                // The clinic resolved before the outage, as every active instance is after warm-up.
                assertThat(first.postWebhook(Evolution.text(clinic.instance(), "5511963000999", "antes")).get().statusCode())
                        .isEqualTo(200);
                postgres.down();
                List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < MESSAGES; i++) {
                    Evolution event = Evolution.text(clinic.instance(), "55119630000" + String.format("%02d", i % 10),
                            "m " + i);
                    sent.add(event.id());
                    answers.add(first.postWebhook(event));
                }
                for (CompletableFuture<HttpResponse<String>> answer : answers) {
                    assertThat(answer.get().statusCode()).isEqualTo(200);
                    assertThat(answer.get().body()).contains("\"spooled\"");
                }

                // Back, but slow: the drain takes rounds of ten, and the replica dies among them.
                postgres.latency(Duration.ofMillis(20));
                postgres.up();
                Awaitility.await().atMost(Duration.ofSeconds(60))
                        .until(() -> first.metric("ingress_store_spool_messages_total{outcome=\"stored\"}") >= 30);
                first.kill();
            }
        }
        assertThat(Db.messages(clinic.instance())).as("killed while draining").isBetween(31L, (long) MESSAGES);

        try (Replica second = Replica.start(STREAM, LEASE)) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Db.messages(clinic.instance()) == 1 + MESSAGES
                    && second.metric("ingress_store_spool_depth") == 0);
            Set<String> stored = Db.rows("SELECT whatsapp_message_id FROM core.whatsapp_messages WHERE instance_name = ?",
                    clinic.instance()).stream().map(row -> (String) row.get("whatsapp_message_id")).collect(Collectors.toSet());
            assertThat(stored).containsAll(sent);
            try (StreamTurns turns = new StreamTurns()) {
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> turns.ofClinic(clinic.clinicId()).stream().map(turn -> turn.get("messageId"))
                                .collect(Collectors.toSet()).size() == 1 + MESSAGES);
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Db.outbox(clinic.clinicId()) == 0);
        }
        Map<String, Object> counts = Db.rows("SELECT count(*) AS rows, count(DISTINCT whatsapp_message_id) AS ids "
                + "FROM core.whatsapp_messages WHERE instance_name = ?", clinic.instance()).get(0);
        assertThat(counts.get("rows")).isEqualTo(counts.get("ids"));
    }
}
