package clinic.ingress.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import clinic.ingress.clinic.ClinicChanges;
import clinic.ingress.clinic.ClinicDirectory;
import clinic.ingress.support.Db;
import clinic.ingress.support.Directory;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.LogCapture;
import clinic.ingress.support.Management;
import clinic.ingress.support.PooledPostgres;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Behind a transaction-mode pooler (PgBouncer on 6432, started by scripts/services.sh pgbouncer,
 * Debian's defaults: startup parameters it does not know are refused): the service gets ready,
 * stores through group commit exactly once, and hears directory changes, whose LISTEN must run on
 * the direct connection. PooledWebhookAnswersTest and PooledOutboxRelayTest run the answer table and
 * the relay's claims through the same pooler.
 */
@QuarkusTest
@TestProfile(PooledPostgres.class)
class PooledPostgresTest {

    private static LogCapture log;

    @Inject
    ClinicChanges changes;
    @Inject
    ClinicDirectory directory;

    @BeforeAll
    static void captureLog() {
        log = LogCapture.install();
    }

    @AfterAll
    static void noPoolerErrors() {
        log.close();
        assertThat(log.lines()).as("log lines of a pooler refusing the client")
                .noneMatch(line -> line.contains("unsupported startup parameter") || line.contains("prepared statement")
                        || line.contains("pgbouncer") || line.contains("PgException"));
    }

    @Test
    void readyBehindThePooler() {
        Management.given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void aRenameReachesTheDirectoryThroughListen() {
        Db.TestClinic clinic = Directory.settledClinic(changes, "pooled-rename");
        assertThat(Directory.resolve(directory, clinic.instance()).name()).isEqualTo(clinic.name());
        long before = changes.handled();

        Db.update("UPDATE healthcare.clinics SET name = 'Renamed Behind The Pooler', updated_at = now() WHERE id = ?",
                clinic.clinicId());

        // The local entry lives 5 minutes: the new name can only come from the notification.
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> "Renamed Behind The Pooler".equals(Directory.resolve(directory, clinic.instance()).name()));
        assertThat(changes.handled()).isGreaterThan(before);
    }

    @Test
    void concurrentDeliveriesAreBatchedAndStoredOnce() throws Exception {
        Db.TestClinic clinic = Db.clinic("pooled-batch");
        List<Evolution> events = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            events.add(Evolution.text(clinic.instance(), "55119300" + String.format("%05d", i), "mensagem " + i));
        }
        ExecutorService senders = Executors.newFixedThreadPool(16);
        try {
            List<CompletableFuture<String>> answers = new ArrayList<>();
            // Every event twice, at once: group commit writes them in shared batches, each row once.
            for (Evolution event : events) {
                for (int copy = 0; copy < 2; copy++) {
                    answers.add(CompletableFuture.supplyAsync(() -> Webhooks.post(event).statusCode(200)
                            .extract().path("status"), senders));
                }
            }
            List<String> statuses = new ArrayList<>();
            for (CompletableFuture<String> answer : answers) {
                statuses.add(answer.get(60, TimeUnit.SECONDS));
            }
            assertThat(statuses).filteredOn("accepted"::equals).hasSize(events.size());
            assertThat(statuses).filteredOn("duplicate"::equals).hasSize(events.size());
        } finally {
            senders.shutdownNow();
        }
        assertThat(Db.messages(clinic.instance())).isEqualTo(events.size());
        assertThat(Db.count("SELECT count(*) FROM healthcare.conversation_logs l JOIN core.whatsapp_messages m "
                + "ON m.id = l.message_id WHERE m.instance_name = ?", clinic.instance())).isEqualTo(events.size());
    }
}
