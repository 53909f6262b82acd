package clinic.ingress.webhook;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Db.TestClinic;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;

/**
 * Every row of DESIGN §3's answer table, against real PostgreSQL.
 */
@QuarkusTest
class WebhookAnswersTest {

    private static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private static TestClinic clinic;

    @BeforeAll
    static void directory() {
        RestAssured.enableLoggingOfRequestAndResponseIfValidationFails();
        clinic = Db.clinic("answers");
    }

    @Test
    void newMessageIsAcceptedAndStored() {
        Evolution event = Evolution.text(clinic.instance(), "5511912340001", "Posso remarcar?");

        Webhooks.post(event)
                .statusCode(200)
                .contentType(ContentType.JSON)
                .body("status", equalTo("accepted"))
                .body("messageId", matchesPattern(UUID_PATTERN))
                .body("sessionId", matchesPattern(UUID_PATTERN))
                .body("memory", equalTo("none"));

        Map<String, Object> row = Db.message(clinic.instance(), event.id());
        assertThat(row).isNotNull();
        assertThat(row).containsEntry("clinic_id", clinic.clinicId())
                .containsEntry("organization_id", clinic.organizationId())
                .containsEntry("patient_key", "5511912340001")
                .containsEntry("direction", "inbound")
                .containsEntry("from_me", false)
                .containsEntry("message_type", "conversation")
                .containsEntry("body", "Posso remarcar?");
        assertThat(Db.count("SELECT count(*) FROM healthcare.conversation_logs WHERE message_id = ?", row.get("id")))
                .isEqualTo(1);
    }

    @Test
    void sameMessageAgainIsDuplicateAndStoredOnce() {
        Evolution event = Evolution.text(clinic.instance(), "5511912340002", "Oi");
        Webhooks.post(event).statusCode(200).body("status", equalTo("accepted"));

        Webhooks.post(event)
                .statusCode(200)
                .body("status", equalTo("duplicate"))
                .body("messageId", nullValue());

        assertThat(Db.count("SELECT count(*) FROM core.whatsapp_messages WHERE instance_name = ? AND whatsapp_message_id = ?",
                clinic.instance(), event.id())).isEqualTo(1);
    }

    @Test
    void patientKeepsOneConversationAndSession() {
        String first = Webhooks.post(Evolution.text(clinic.instance(), "5511912340003", "um"))
                .statusCode(200).extract().path("sessionId");
        String second = Webhooks.post(Evolution.text(clinic.instance(), "5511912340003", "dois"))
                .statusCode(200).extract().path("sessionId");

        assertThat(second).isEqualTo(first);
        assertThat(Db.count("SELECT count(*) FROM core.whatsapp_conversations WHERE instance_name = ? AND patient_key = ?",
                clinic.instance(), "5511912340003")).isEqualTo(1);
        assertThat(Db.count("SELECT count(*) FROM healthcare.conversation_sessions WHERE id = ?::uuid", first)).isEqualTo(1);
    }

    @Test
    void eventsWeDoNotProcessAreIgnoredWithReason() {
        Evolution presence = Evolution.event("presence.update", clinic.instance());
        Webhooks.post(presence).statusCode(200)
                .body("status", equalTo("ignored"))
                .body("reason", equalTo("event-not-processed"));
        // A line's connection is kept, not ignored (LineStatusIT).
        Evolution connection = Evolution.event("connection.update", clinic.instance());
        connection.data().put("state", "open");
        Webhooks.post(connection).statusCode(200).body("status", equalTo("recorded"));

        Evolution status = Evolution.text(clinic.instance(), "5511912340004", "story");
        status.key().put("remoteJid", "status@broadcast");
        Webhooks.post(status).statusCode(200).body("status", equalTo("ignored")).body("reason", equalTo("status-broadcast"));

        Evolution newsletter = Evolution.text(clinic.instance(), "5511912340004", "news");
        newsletter.key().put("remoteJid", "120363000000000000@newsletter");
        Webhooks.post(newsletter).statusCode(200).body("status", equalTo("ignored")).body("reason", equalTo("newsletter"));

        Evolution group = Evolution.text(clinic.instance(), "5511912340004", "grupo");
        group.key().put("remoteJid", "120363025555555555@g.us").put("participant", "5511977776666@s.whatsapp.net");
        Webhooks.post(group).statusCode(200).body("status", equalTo("ignored")).body("reason", equalTo("group"));

        assertThat(Db.count("SELECT count(*) FROM core.whatsapp_messages WHERE whatsapp_message_id IN (?, ?, ?)",
                status.id(), newsletter.id(), group.id())).isZero();
    }

    @Test
    void unknownInstanceIsQuarantinedWithItsRawBody() {
        String instance = "not-in-directory-" + Evolution.newId();
        Evolution event = Evolution.text(instance, "5511912340005", "Alguém aí?");

        Webhooks.post(event)
                .statusCode(202)
                .body("status", equalTo("quarantined"))
                .body("reason", equalTo("unknown-instance"));
        Webhooks.post(event).statusCode(202);

        var rows = Db.rows(
                "SELECT reason, whatsapp_message_id, convert_from(raw, 'UTF8') AS raw FROM core.webhook_quarantine WHERE instance_name = ?",
                instance);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0)).containsEntry("reason", "unknown-instance").containsEntry("whatsapp_message_id", event.id());
        // The body as received, but for its credential (Evolution's apikey is never kept).
        assertThat(rows.get(0).get("raw")).isEqualTo(event.root().deepCopy().without("apikey").toString());
        assertThat(Db.messages(instance)).isZero();
    }

    @Test
    void aMessagePostgresRefusesIsQuarantinedNotRetried() {
        // Year ~285 million: Java reads it, PostgreSQL's timestamptz cannot hold it (SQLSTATE 22008).
        // A 503 would have Evolution retry it for 20 minutes and then drop it; a 4xx would drop it now.
        Evolution event = Evolution.text(clinic.instance(), "5511912340010", "data do futuro");
        event.data().put("messageTimestamp", 9_000_000_000_000_000_000L);

        Webhooks.post(event)
                .statusCode(202)
                .body("status", equalTo("quarantined"))
                .body("reason", equalTo("database-rejected"));

        var rows = Db.rows("SELECT reason, convert_from(raw, 'UTF8') AS raw FROM core.webhook_quarantine "
                + "WHERE instance_name = ? AND whatsapp_message_id = ?", clinic.instance(), event.id());
        assertThat(rows).singleElement().satisfies(row -> {
            assertThat((String) row.get("reason")).startsWith("database-rejected:22");
            assertThat(row.get("raw")).isEqualTo(event.root().deepCopy().without("apikey").toString());
        });
        assertThat(Db.message(clinic.instance(), event.id())).isNull();
    }

    @Test
    void missingWrongOrExpiredCredentialsAre401AndStoreNothing() {
        Evolution event = Evolution.text(clinic.instance(), "5511912340006", "sem credencial");

        given().contentType(ContentType.JSON).body(event.json()).post(Webhooks.PATH)
                .then().statusCode(401).contentType("application/problem+json").body("status", equalTo(401));
        given().header(Evolution.TOKEN_HEADER, "wrong").contentType(ContentType.JSON).body(event.json()).post(Webhooks.PATH)
                .then().statusCode(401);
        given().header("Authorization", "Bearer " + Webhooks.jwt(Evolution.JWT_SECRET, Instant.now().minusSeconds(3600)))
                .contentType(ContentType.JSON).body(event.json()).post(Webhooks.PATH)
                .then().statusCode(401);
        given().header("Authorization", "Bearer " + Webhooks.jwt("another-secret-entirely-not-ours", Instant.now()))
                .contentType(ContentType.JSON).body(event.json()).post(Webhooks.PATH)
                .then().statusCode(401);
        given().header("Authorization", "Bearer not.a.jwt")
                .contentType(ContentType.JSON).body(event.json()).post(Webhooks.PATH)
                .then().statusCode(401);
        given().contentType(ContentType.JSON).body(event.apikey("wrong-instance-token").json()).post(Webhooks.PATH)
                .then().statusCode(401);
        given().contentType(ContentType.JSON).body("{not json").post(Webhooks.PATH)
                .then().statusCode(401);

        assertThat(Db.message(clinic.instance(), event.id())).isNull();
        assertThat(Db.count("SELECT count(*) FROM core.webhook_quarantine WHERE whatsapp_message_id = ?", event.id())).isZero();
    }

    @Test
    void evolutionJwtAndInstanceApikeyAuthenticate() {
        Evolution byJwt = Evolution.text(clinic.instance(), "5511912340007", "jwt");
        given().header("Authorization", "Bearer " + Webhooks.jwt(Evolution.JWT_SECRET, Instant.now()))
                .contentType(ContentType.JSON).body(byJwt.json()).post(Webhooks.PATH)
                .then().statusCode(200).body("status", equalTo("accepted"));

        Evolution byApikey = Evolution.text(clinic.instance(), "5511912340007", "apikey").apikey(TestClinic.APIKEY);
        given().contentType(ContentType.JSON).body(byApikey.json()).post(Webhooks.PATH)
                .then().statusCode(200).body("status", equalTo("accepted"));

        // apikey cannot vouch for an instance the directory does not know: nothing is quarantined.
        Evolution unknown = Evolution.text("unknown-" + Evolution.newId(), "5511912340007", "x").apikey(TestClinic.APIKEY);
        given().contentType(ContentType.JSON).body(unknown.json()).post(Webhooks.PATH)
                .then().statusCode(401);
        assertThat(Db.quarantined(unknown.root().path("instance").asText())).isZero();
    }

    @Test
    void malformedJsonIs400AndQuarantinedForAuthenticatedSender() {
        String marker = "malformed-" + Evolution.newId();
        Webhooks.post("{\"event\":\"messages.upsert\",\"instance\":\"" + marker)
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:clinic-ingress:problem:invalid-event"))
                .body("detail", notNullValue());

        assertThat(Db.count("SELECT count(*) FROM core.webhook_quarantine WHERE reason = 'malformed-json' "
                + "AND position(convert_to(?, 'UTF8') in raw) > 0", marker)).isEqualTo(1);
    }

    @Test
    void missingKeyIdOrInstanceIs400() {
        Evolution noId = Evolution.text(clinic.instance(), "5511912340008", "sem id");
        noId.key().remove("id");
        Webhooks.post(noId).statusCode(400).body("detail", equalTo("data.key.id is required (at most 255 characters)"));

        Evolution noInstance = Evolution.text(clinic.instance(), "5511912340008", "sem instancia");
        noInstance.root().remove("instance");
        Webhooks.post(noInstance).statusCode(400).body("detail", equalTo("instance is required (at most 255 characters)"));

        assertThat(Db.count("SELECT count(*) FROM core.webhook_quarantine WHERE reason = 'invalid-event' AND instance_name = ?",
                clinic.instance())).isGreaterThanOrEqualTo(1);
    }

    /**
     * Answered from Content-Length, before the body: the service closes the connection after its 413,
     * so the request waits for the answer (Expect: 100-continue) instead of racing its own upload
     * against the close (a broken pipe on the client's side, not an answer).
     */
    @Test
    void bodyOverTheLimitIs413() throws IOException {
        String padding = "x".repeat(1024 * 1024 + 1);
        Evolution event = Evolution.text(clinic.instance(), "5511912340009", padding);
        byte[] body = event.json().getBytes(StandardCharsets.UTF_8);

        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + Webhooks.PATH + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + Evolution.TOKEN_HEADER + ": " + Evolution.TOKEN + "\r\nContent-Length: " + body.length
                    + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            assertThat(answer).startsWith("HTTP/1.1 413").containsIgnoringCase("content-type: application/problem+json")
                    .contains("urn:clinic-ingress:problem:body-too-large");
        }
        assertThat(Db.message(clinic.instance(), event.id())).isNull();
    }

    @Test
    void webhookByEventsUrlAndUpperSnakeNamesAreAccepted() {
        Evolution byUrl = Evolution.text(clinic.instance(), "5511912340010", "por url");
        byUrl.root().remove("event");
        given().header(Evolution.TOKEN_HEADER, Evolution.TOKEN).contentType(ContentType.JSON).body(byUrl.json())
                .post(Webhooks.PATH + "/messages-upsert")
                .then().statusCode(200).body("status", equalTo("accepted"));

        Evolution upper = Evolution.text(clinic.instance(), "5511912340010", "upper");
        upper.root().put("event", "MESSAGES_UPSERT");
        Webhooks.post(upper).statusCode(200).body("status", equalTo("accepted"));

        Evolution connection = Evolution.event("connection.update", clinic.instance());
        connection.data().put("state", "close");
        given().header(Evolution.TOKEN_HEADER, Evolution.TOKEN).contentType(ContentType.JSON)
                .body(connection.json())
                .post(Webhooks.PATH + "/connection-update")
                .then().statusCode(200).body("status", equalTo("recorded"));
    }
}
