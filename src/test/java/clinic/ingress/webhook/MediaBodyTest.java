package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Turns;
import clinic.ingress.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A media message as Evolution sends it with {@code webhook_base64}: stored without its base64
 * (its size, type and SHA-256 instead), and its turn says a media message arrived.
 */
@QuarkusTest
class MediaBodyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    RedisDataSource redis;

    @Test
    void aMediaMessageIsStoredWithoutItsBytesAndItsDigestKept() throws Exception {
        Db.TestClinic clinic = Db.clinic("media");
        byte[] image = new byte[600 * 1024];
        new Random(7).nextBytes(image);
        Evolution event = Evolution.image(clinic.instance(), "5511966660001", image, "minha receita");

        Webhooks.post(event).statusCode(200).body("status", equalTo("accepted"));

        Map<String, Object> row = Db.rows("SELECT raw::text AS raw, media::text AS media, body, message_type "
                + "FROM core.whatsapp_messages WHERE instance_name = ? AND whatsapp_message_id = ?", clinic.instance(),
                event.id()).get(0);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image));
        JsonNode raw = JSON.readTree((String) row.get("raw"));
        JsonNode omitted = raw.at("/data/message/base64");
        assertThat(omitted.path("omitted").asText()).isEqualTo("media");
        assertThat(omitted.path("bytes").asLong()).isEqualTo(image.length);
        assertThat(omitted.path("sha256").asText()).isEqualTo(sha256);
        assertThat(omitted.path("mediaType").asText()).isEqualTo("image/jpeg");
        assertThat(raw.at("/data/message/imageMessage/jpegThumbnail/omitted").asText()).isEqualTo("media");
        assertThat((String) row.get("raw")).as("the rest is kept").contains("mmg.whatsapp.net").hasSizeLessThan(4096);
        assertThat(row).containsEntry("body", "minha receita").containsEntry("message_type", "imageMessage");
        assertThat(JSON.readTree((String) row.get("media")))
                .isEqualTo(JSON.readTree("{\"type\":\"image/jpeg\",\"bytes\":" + image.length + ",\"sha256\":\"" + sha256
                        + "\",\"inBody\":true}"));

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Turns.ofClinic(redis, clinic.clinicId()).size() == 1);
        Map<String, String> turn = Turns.ofClinic(redis, clinic.clinicId()).get(0);
        assertThat(turn).containsEntry("messageType", "imageMessage").containsEntry("text", "minha receita");
        assertThat(JSON.readTree(turn.get("media")).path("sha256").asText()).isEqualTo(sha256);
    }

    @Test
    void mediaThatIsNotStandardBase64IsStillNotKept() {
        Db.TestClinic clinic = Db.clinic("media-odd");
        Evolution event = Evolution.image(clinic.instance(), "5511966660002", new byte[1024], null);
        event.data().with("message").put("base64", "data:image/jpeg;base64," + "A".repeat(40_000));

        Webhooks.post(event).statusCode(200).body("status", equalTo("accepted"));

        String raw = (String) Db.rows("SELECT raw::text AS raw FROM core.whatsapp_messages WHERE whatsapp_message_id = ?",
                event.id()).get(0).get("raw");
        assertThat(raw).doesNotContain("AAAAAAAA").contains("\"encoding\": \"text\"");
    }

    @Test
    void aMediaMessageWithoutBase64SaysWhatArrivedFromItsMetadata() throws Exception {
        Db.TestClinic clinic = Db.clinic("media-meta");
        Evolution event = Evolution.image(clinic.instance(), "5511966660003", new byte[10], null);
        event.data().with("message").remove("base64");
        event.data().with("message").with("imageMessage").put("fileLength", "48213");

        Webhooks.post(event).statusCode(200);

        List<Map<String, Object>> rows = Db.rows("SELECT media::text AS media FROM core.whatsapp_messages "
                + "WHERE whatsapp_message_id = ?", event.id());
        JsonNode media = JSON.readTree((String) rows.get(0).get("media"));
        assertThat(media.path("type").asText()).isEqualTo("image/jpeg");
        assertThat(media.path("bytes").asLong()).isEqualTo(48213);
        assertThat(media.path("inBody").asBoolean()).isFalse();
    }
}
