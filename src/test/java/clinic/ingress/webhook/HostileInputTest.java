package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Input that PostgreSQL cannot store as sent, or that is built to break parsers: never a 500.
 */
@QuarkusTest
class HostileInputTest {

    private static Db.TestClinic clinic;

    @BeforeAll
    static void directory() {
        clinic = Db.clinic("hostile");
    }

    @Test
    void nulCharactersInTextAndFieldNamesAreStoredReplaced() {
        Evolution event = Evolution.text(clinic.instance(), "5511912348888", "antes\u0000depois");
        event.data().put("weird\u0000field", "valor\u0000");

        Webhooks.post(event).statusCode(200).body("status", equalTo("accepted"));

        assertThat(Db.message(clinic.instance(), event.id()).get("body")).isEqualTo("antes\uFFFDdepois");
    }

    @Test
    void loneSurrogatesAreStoredReplaced() {
        String body = Evolution.text(clinic.instance(), "5511912348888", "PLACEHOLDER").json()
                .replace("PLACEHOLDER", "a\\ud800b\\udc00c");
        String id = body.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");

        Webhooks.post(body).statusCode(200).body("status", equalTo("accepted"));

        assertThat(Db.message(clinic.instance(), id).get("body")).isEqualTo("a\uFFFDb\uFFFDc");
    }

    @Test
    void structurallyHostileBodiesNeverCause500() {
        String deep = "{\"a\":".repeat(5000) + "1" + "}".repeat(5000);
        String[] bodies = {
                "", "null", "[]", "42", "\"text\"", "{\"event\":{},\"instance\":[]}", deep,
                "{\"event\":\"messages.upsert\",\"instance\":\"" + clinic.instance() + "\",\"data\":[]}",
                "{\"event\":\"messages.upsert\",\"instance\":\"" + clinic.instance() + "\",\"data\":{\"key\":{\"id\":7}}}",
                "{\"event\":\"messages.upsert\",\"instance\":\"" + clinic.instance()
                        + "\",\"data\":{\"key\":{\"id\":\"x\",\"remoteJid\":\"abc@s.whatsapp.net\"}}}",
                "{\"event\":\"messages.upsert\",\"instance\":\"" + "i".repeat(300) + "\",\"data\":{}}",
                "\u0000\u0001\u0002",
        };
        for (String body : bodies) {
            Webhooks.post(body).statusCode(lessThan(500));
        }
    }

    @Test
    void bodiesPastTheParserLimitsAreRefusedWhileParsed() {
        // Both would be valid JSON: many times their size as a tree, far past any Evolution payload.
        String manyEmptyObjects = "[" + "{},".repeat(300_000) + "{}]";
        String tooDeep = "{\"event\":\"messages.upsert\",\"instance\":\"" + clinic.instance() + "\",\"data\":"
                + "{\"a\":".repeat(100) + "1" + "}".repeat(100) + "}";
        for (String body : new String[] { manyEmptyObjects, tooDeep }) {
            Webhooks.post(body)
                    .statusCode(400)
                    .body("type", Matchers.equalTo("urn:clinic-ingress:problem:invalid-event"));
        }
    }

    @Test
    void hostileTimestampsAndTypesAreTolerated() {
        Evolution huge = Evolution.text(clinic.instance(), "5511912348888", "tempo");
        huge.data().put("messageTimestamp", "9".repeat(40));
        Webhooks.post(huge).statusCode(200);

        Evolution protobufLong = Evolution.text(clinic.instance(), "5511912348888", "long");
        protobufLong.data().putObject("messageTimestamp").put("low", 1761055391).put("high", 0).put("unsigned", true);
        Webhooks.post(protobufLong).statusCode(200);
        assertThat(Db.count("SELECT extract(epoch FROM message_timestamp)::bigint FROM core.whatsapp_messages "
                + "WHERE instance_name = ? AND whatsapp_message_id = ?", clinic.instance(), protobufLong.id()))
                .isEqualTo(1761055391L);

        Evolution millis = Evolution.text(clinic.instance(), "5511912348888", "ms");
        millis.data().put("messageTimestamp", 1761055391123L);
        Webhooks.post(millis).statusCode(200);
    }
}
