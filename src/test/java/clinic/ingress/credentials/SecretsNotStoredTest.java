package clinic.ingress.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.LogCapture;
import clinic.ingress.support.Turns;
import clinic.ingress.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Evolution puts the instance's token in every body ({@code apikey}); with it anyone could send
 * WhatsApp messages as the clinic. After webhooks that are stored, duplicated, quarantined, invalid
 * and not even JSON, the token is in no table (as text or as bytes), no turn and no log line.
 */
@QuarkusTest
class SecretsNotStoredTest {

    private static final String TOKEN = "B6D711FCDE4D4FD5936544120E7139F1";

    @Inject
    RedisDataSource redis;

    @Test
    void theBodyApikeyIsKeptNowhere() {
        Db.TestClinic clinic = Db.clinic("no-secret");
        try (LogCapture log = LogCapture.install()) {
            Evolution stored = Evolution.text(clinic.instance(), "5511977770001", "oi").apikey(TOKEN);
            Webhooks.post(stored).statusCode(200);
            Webhooks.post(stored).statusCode(200);
            Webhooks.post(Evolution.text(clinic.instance(), "5511977770002", "eu").fromMe().apikey(TOKEN)).statusCode(200);
            Webhooks.post(Evolution.text("unknown-" + Evolution.newId(), "5511977770003", "cedo").apikey(TOKEN))
                    .statusCode(202);
            Evolution invalid = Evolution.text(clinic.instance(), "5511977770004", "sem id").apikey(TOKEN);
            invalid.key().remove("id");
            Webhooks.post(invalid).statusCode(400);
            Webhooks.post("{\"instance\": \"" + clinic.instance() + "\", \"apikey\": \"" + TOKEN + "\", \"data\": {")
                    .statusCode(400);

            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Turns.ofClinic(redis, clinic.clinicId()).size() == 1);
            assertThat(Turns.ofClinic(redis, clinic.clinicId()).get(0).values()).noneMatch(value -> value.contains(TOKEN));
            assertThat(log.lines()).noneMatch(line -> line.contains(TOKEN));
        }
        String hex = HexFormat.of().formatHex(TOKEN.getBytes(StandardCharsets.UTF_8));
        List<Map<String, Object>> tables = Db
                .rows("SELECT table_schema || '.' || table_name AS name FROM information_schema.tables "
                        + "WHERE table_schema IN ('core', 'healthcare') AND table_type = 'BASE TABLE'");
        assertThat(tables).hasSizeGreaterThan(5);
        for (Map<String, Object> table : tables) {
            String name = (String) table.get("name");
            assertThat(Db.count("SELECT count(*) FROM " + name + " t WHERE t::text LIKE ? OR t::text ILIKE ?",
                    "%" + TOKEN + "%", "%" + hex + "%")).as(name).isZero();
        }
        // The quarantine still has the rest, and knows what it received: size and digest.
        assertThat(Db.count("SELECT count(*) FROM core.webhook_quarantine WHERE instance_name = ? AND raw_sha256 IS NOT NULL "
                + "AND raw_length > length(raw)", clinic.instance())).isEqualTo(1);
        assertThat(Db.count("SELECT count(*) FROM core.webhook_quarantine WHERE reason = 'malformed-json' "
                + "AND position(convert_to(?, 'UTF8') in raw) > 0 AND position(convert_to('[removed]', 'UTF8') in raw) > 0",
                clinic.instance())).isEqualTo(1);
    }
}
