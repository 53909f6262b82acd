package clinic.ingress.quarantine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The quarantine stays bounded: large bodies are kept truncated with their length and digest, and
 * rows past the retention are deleted (in batches smaller than what there is to delete).
 */
@QuarkusTest
class QuarantineBoundsTest {

    @Inject
    QuarantineStore quarantine;

    @Test
    void aBodyOverTheLimitIsStoredTruncatedWithItsLengthAndDigest() throws Exception {
        String instance = "unknown-" + Evolution.newId();
        Evolution event = Evolution.text(instance, "5511944440001", "x".repeat(20_000));
        byte[] body = event.json().getBytes(StandardCharsets.UTF_8);

        Webhooks.post(event).statusCode(202).body("reason", equalTo("unknown-instance"));

        Map<String, Object> row = Db.rows("SELECT length(raw) AS stored, raw_length, raw_sha256 FROM core.webhook_quarantine "
                + "WHERE instance_name = ?", instance).get(0);
        assertThat(((Number) row.get("stored")).intValue()).isEqualTo(4096); // %test max-stored-bytes
        assertThat(row).containsEntry("raw_length", (long) body.length)
                .containsEntry("raw_sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
    }

    @Test
    void rowsPastTheRetentionAreDeletedInBatches() {
        String old = "old-" + Evolution.newId();
        String recent = "recent-" + Evolution.newId();
        for (int i = 0; i < 7; i++) {
            Db.update("INSERT INTO core.webhook_quarantine (received_at, reason, instance_name, raw) "
                    + "VALUES (now() - interval '31 days', 'test', ?, '\\x00')", old);
        }
        Db.update("INSERT INTO core.webhook_quarantine (received_at, reason, instance_name, raw) "
                + "VALUES (now() - interval '29 days', 'test', ?, '\\x00')", recent);

        int deleted = quarantine.purge().await().atMost(Duration.ofSeconds(10));

        assertThat(deleted).isGreaterThanOrEqualTo(7);
        assertThat(Db.quarantined(old)).isZero();
        assertThat(Db.quarantined(recent)).isEqualTo(1);
        List<Map<String, Object>> left = Db.rows("SELECT count(*) AS n FROM core.webhook_quarantine "
                + "WHERE received_at < now() - interval '30 days'");
        assertThat(((Number) left.get(0).get("n")).longValue()).isZero();
    }
}
