package clinic.ingress.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Management;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Message retention with {@code ingress.messages.retention} set (here ten years, so that only the
 * rows this test backdates are old): 100,000 old messages, their log rows and their idle
 * conversations are deleted in many committed batches while webhooks go on being stored; what is
 * newer stays. How the webhooks' latency holds meanwhile is measured by scripts/bench.sh
 * (BENCH_SECTIONS=retention), not here.
 */
@QuarkusTest
@TestProfile(RetentionTest.TenYears.class)
class RetentionTest {

    private static final int OLD = 100_000;

    public static class TenYears implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ingress.messages.retention", "3650d", "ingress.messages.retention-interval", "1s",
                    "ingress.messages.retention-batch", "2000", "ingress.messages.retention-pause", "10ms");
        }
    }

    @Test
    void oldMessagesGoInBatchesWhileNewOnesAreStored() {
        Db.TestClinic clinic = Db.clinic("retention");
        double batchesBefore = metric("ingress_messages_retention_batches_total");
        double deletedBefore = metric("ingress_messages_retention_deleted_total{what=\"messages\"}");
        // A sweep would take rows as they are inserted: they go in as already stored, in one statement.
        Db.update("""
                WITH conv AS (
                    INSERT INTO core.whatsapp_conversations (instance_name, patient_key, clinic_id, organization_id,
                        last_message_at, created_at)
                    SELECT ?, 'old-' || g, ?::uuid, ?::uuid, now() - interval '4000 days', now() - interval '4000 days'
                    FROM generate_series(1, 100) g
                    RETURNING id
                ), msg AS (
                    INSERT INTO core.whatsapp_messages (instance_name, whatsapp_message_id, organization_id, clinic_id,
                        patient_key, body, message_timestamp, created_at)
                    SELECT ?, 'retention-old-' || g, ?::uuid, ?::uuid, 'old-' || (g % 100 + 1), 'antiga',
                           now() - interval '4000 days', now() - interval '4000 days' + g * interval '1 second'
                    FROM generate_series(1, ?) g
                    RETURNING id, created_at
                )
                INSERT INTO healthcare.conversation_logs (message_id, clinic_id, role, created_at)
                SELECT id, ?::uuid, 'patient', created_at FROM msg""", clinic.instance(), clinic.clinicId().toString(),
                clinic.organizationId().toString(), clinic.instance(), clinic.organizationId().toString(),
                clinic.clinicId().toString(), OLD, clinic.clinicId().toString());

        // Webhooks go on being stored while the sweep runs: one per poll until the old messages are gone.
        List<String> sent = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> {
            Evolution event = Evolution.text(clinic.instance(), "5511955500" + String.format("%03d", sent.size() % 1000),
                    "nova " + sent.size());
            Webhooks.post(event).statusCode(200);
            sent.add(event.id());
            return Db.count("SELECT count(*) FROM core.whatsapp_messages WHERE whatsapp_message_id LIKE 'retention-old-%' "
                    + "AND instance_name = ?", clinic.instance()) == 0;
        });
        for (String id : sent) {
            assertThat(Db.message(clinic.instance(), id)).as("a new message stays").isNotNull();
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Db.count(
                "SELECT count(*) FROM core.whatsapp_conversations WHERE instance_name = ? AND patient_key LIKE 'old-%'",
                clinic.instance()) == 0);
        assertThat(Db.count("SELECT count(*) FROM healthcare.conversation_logs l JOIN core.whatsapp_messages m "
                + "ON m.id = l.message_id WHERE m.instance_name = ?", clinic.instance())).as("the new messages' log rows")
                .isEqualTo(sent.size());
        assertThat(Db.count("SELECT count(*) FROM healthcare.conversation_logs WHERE clinic_id = ?::uuid "
                + "AND created_at < now() - interval '3650 days'", clinic.clinicId().toString())).isZero();
        assertThat(metric("ingress_messages_retention_deleted_total{what=\"messages\"}") - deletedBefore)
                .isGreaterThanOrEqualTo(OLD);
        assertThat(metric("ingress_messages_retention_batches_total") - batchesBefore).as("committed in batches")
                .isGreaterThanOrEqualTo(OLD / 2000.0);
    }

    private static double metric(String sample) {
        return Management.given().get("/q/metrics").then().extract().asString().lines()
                .filter(line -> line.startsWith(sample + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(sample.length() + 1).split(" ")[0]))
                .findFirst().orElse(0);
    }
}
