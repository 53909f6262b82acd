package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.node.ObjectNode;

import clinic.ingress.support.Db;
import clinic.ingress.support.Db.TestClinic;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every message variant and identity case of research/evolution-mem0.md §1.4, posted over HTTP and
 * checked in the stored row.
 */
@QuarkusTest
class MessageVariantsTest {

    private static TestClinic clinic;

    @BeforeAll
    static void directory() {
        clinic = Db.clinic("variants");
    }

    static Stream<Arguments> contents() {
        return Stream.of(
                Arguments.of("v2 conversation", (Consumer<ObjectNode>) m -> m.put("conversation", "Oi"), "conversation", "Oi"),
                Arguments.of("v1 extendedTextMessage",
                        (Consumer<ObjectNode>) m -> m.putObject("extendedTextMessage").put("text", "Olá v1"),
                        "extendedTextMessage", "Olá v1"),
                Arguments.of("image caption", (Consumer<ObjectNode>) m -> m.putObject("imageMessage").put("caption", "raio-x")
                        .put("mimetype", "image/jpeg").put("fileLength", "48213"), "imageMessage", "raio-x"),
                Arguments.of("video caption", (Consumer<ObjectNode>) m -> m.putObject("videoMessage").put("caption", "video"),
                        "videoMessage", "video"),
                Arguments.of("document caption",
                        (Consumer<ObjectNode>) m -> m.putObject("documentMessage").put("caption", "exame")
                                .put("fileName", "exame.pdf"),
                        "documentMessage", "exame"),
                Arguments.of("document with caption wrapper",
                        (Consumer<ObjectNode>) m -> m.putObject("documentWithCaptionMessage")
                                .putObject("message").putObject("documentMessage").put("caption", "laudo"),
                        "documentWithCaptionMessage", "laudo"),
                Arguments.of("voice note",
                        (Consumer<ObjectNode>) m -> m.putObject("audioMessage").put("seconds", 7).put("ptt", true)
                                .put("mimetype", "audio/ogg; codecs=opus"),
                        "audioMessage", null),
                Arguments.of("voice note transcribed", (Consumer<ObjectNode>) m -> {
                    m.putObject("audioMessage").put("seconds", 3).put("ptt", true);
                    m.put("speechToText", "quero marcar");
                }, "audioMessage", "quero marcar"),
                Arguments.of("reaction", (Consumer<ObjectNode>) m -> m.putObject("reactionMessage").put("text", "👍")
                        .putObject("key").put("id", "ABC"), "reactionMessage", "👍"),
                Arguments.of("reaction removed", (Consumer<ObjectNode>) m -> m.putObject("reactionMessage").put("text", ""),
                        "reactionMessage", ""),
                Arguments.of("ephemeral wrapper",
                        (Consumer<ObjectNode>) m -> m.putObject("ephemeralMessage").putObject("message")
                                .putObject("extendedTextMessage").put("text", "some"),
                        "ephemeralMessage", "some"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contents")
    void storesTextAndTypeOfEveryVariant(String name, Consumer<ObjectNode> content, String type, String text) {
        Evolution event = Evolution.text(clinic.instance(), "5511912345678", "placeholder");
        event.data().remove("messageType");
        ObjectNode message = event.data().putObject("message");
        content.accept(message);
        message.putObject("messageContextInfo").put("deviceListMetadataVersion", 2);

        Webhooks.post(event).statusCode(200).body("status", equalTo("accepted"));

        Map<String, Object> row = Db.message(clinic.instance(), event.id());
        assertThat(row.get("message_type")).isEqualTo(type);
        assertThat(row.get("body")).isEqualTo(text);
    }

    static Stream<Arguments> identities() {
        return Stream.of(
                // up to 2.3.0: LID with senderPn
                Arguments.of("2.3.0 lid + senderPn", (Consumer<ObjectNode>) k -> k.put("remoteJid", "201234567890123@lid")
                        .put("senderPn", "5511912345601@s.whatsapp.net"), "5511912345601", "201234567890123"),
                // 2.3.1-2.3.4: rewritten to the phone, LID kept in previousRemoteJid
                Arguments.of("2.3.1 rewritten", (Consumer<ObjectNode>) k -> k.put("remoteJid", "5511912345602@s.whatsapp.net")
                        .put("previousRemoteJid", "201234567890124@lid"), "5511912345602", "201234567890124"),
                // 2.3.5-2.3.6: LID in remoteJid, phone in remoteJidAlt
                Arguments.of("2.3.6 lid + remoteJidAlt", (Consumer<ObjectNode>) k -> k.put("remoteJid", "201234567890125@lid")
                        .put("remoteJidAlt", "5511912345603@s.whatsapp.net").put("addressingMode", "lid"),
                        "5511912345603", "201234567890125"),
                // 2.3.7: phone only
                Arguments.of("2.3.7 phone only", (Consumer<ObjectNode>) k -> k.put("remoteJid", "5511912345604@s.whatsapp.net"),
                        "5511912345604", null),
                // 2.4.0-rc: swapped, device suffix removed upstream; we strip it too
                Arguments.of("2.4.0 swapped", (Consumer<ObjectNode>) k -> k.put("remoteJid", "5511912345605@s.whatsapp.net")
                        .put("remoteJidAlt", "201234567890126@lid").put("addressingMode", "pn"), "5511912345605",
                        "201234567890126"),
                Arguments.of("device suffix", (Consumer<ObjectNode>) k -> k.put("remoteJid", "5511912345606:12@s.whatsapp.net"),
                        "5511912345606", null),
                // 2.3.6/2.3.7 reports: only a LID, no phone anywhere
                Arguments.of("lid only", (Consumer<ObjectNode>) k -> k.put("remoteJid", "201234567890127@lid"),
                        "lid:201234567890127", "201234567890127"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("identities")
    void keysThePatientByPhoneElseLid(String name, Consumer<ObjectNode> key, String patientKey, String lid) {
        Evolution event = Evolution.text(clinic.instance(), "0", "identidade");
        event.key().remove("remoteJid");
        key.accept(event.key());

        Webhooks.post(event).statusCode(200).body("status", equalTo("accepted"));

        Map<String, Object> row = Db.message(clinic.instance(), event.id());
        assertThat(row.get("patient_key")).isEqualTo(patientKey);
        assertThat(row.get("patient_lid")).isEqualTo(lid);
    }

    @Test
    void fromMeIsStoredAsOutbound() {
        Evolution event = Evolution.text(clinic.instance(), "5511912345610", "Sua consulta está confirmada").fromMe();
        Webhooks.post(event).statusCode(200).body("status", equalTo("accepted")).body("memory", Matchers.nullValue());

        Map<String, Object> row = Db.message(clinic.instance(), event.id());
        assertThat(row).containsEntry("direction", "outbound").containsEntry("from_me", true);
        assertThat(Db.count("SELECT count(*) FROM healthcare.conversation_logs WHERE message_id = ? AND role = 'clinic'",
                row.get("id"))).isEqualTo(1);
    }

    @Test
    void v1PayloadWithOwnerAndSendMessageEvent() {
        Evolution v1 = Evolution.event("messages.upsert", clinic.instance());
        v1.root().remove("instance");
        v1.data().remove("instanceId");
        v1.data().put("owner", clinic.instance());
        v1.key().put("remoteJid", "5511912345611@s.whatsapp.net");
        v1.data().putObject("message").putObject("extendedTextMessage").put("text", "versão 1");
        Webhooks.post(v1).statusCode(200).body("status", equalTo("accepted"));
        assertThat(Db.message(clinic.instance(), v1.id())).containsEntry("body", "versão 1");

        Evolution sent = Evolution.text(clinic.instance(), "5511912345611", "enviada pela API").fromMe();
        sent.root().put("event", "SEND_MESSAGE");
        Webhooks.post(sent).statusCode(200).body("status", equalTo("accepted"));
        assertThat(Db.message(clinic.instance(), sent.id())).containsEntry("direction", "outbound");
    }

    @Test
    void outOfOrderDeliveryKeepsWhatsappTimestamps() {
        Evolution later = Evolution.text(clinic.instance(), "5511912345612", "segunda");
        later.data().put("messageTimestamp", 1761055400L);
        Evolution earlier = Evolution.text(clinic.instance(), "5511912345612", "primeira");
        earlier.data().put("messageTimestamp", 1761055300L);

        Webhooks.post(later).statusCode(200);
        Webhooks.post(earlier).statusCode(200);

        var rows = Db.rows("SELECT body FROM core.whatsapp_messages WHERE instance_name = ? AND patient_key = ? "
                + "ORDER BY message_timestamp", clinic.instance(), "5511912345612");
        assertThat(rows).extracting(r -> r.get("body")).containsExactly("primeira", "segunda");
        assertThat(Db.rows("SELECT extract(epoch FROM last_message_at)::bigint AS t FROM core.whatsapp_conversations "
                + "WHERE instance_name = ? AND patient_key = ?", clinic.instance(), "5511912345612").get(0).get("t"))
                .isEqualTo(1761055400L);
    }
}
