package clinic.ingress.line;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Replica;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * Each WhatsApp line's status, shared by two replicas of the packaged service: a line's close then
 * open, and the reverse delivered out of order (an older event arriving last), end in the right
 * state on both; the by-events path, the v1 shape, a QR wait and a logout are understood; the
 * lines are counted by state with how long the longest has been down.
 */
@QuarkusIntegrationTest
class LineStatusIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void eventsInAnyOrderEndInTheNewestStateOnEveryReplica() throws Exception {
        Db.TestClinic closedLast = Db.clinic("line-a");
        Db.TestClinic openedLast = Db.clinic("line-b");
        Db.TestClinic qr = Db.clinic("line-c");
        try (Replica one = Replica.start("ingress.lines.count-interval=1s");
                Replica two = Replica.start("ingress.lines.count-interval=1s")) {
            // close (newer) reaches one replica, then the older open reaches the other, late.
            assertThat(send(one, connection(closedLast.instance(), "close", 428, T0.plusSeconds(20)))).isEqualTo("recorded");
            assertThat(send(two, connection(closedLast.instance(), "open", null, T0.plusSeconds(10)))).isEqualTo("recorded");
            // in order: open, close, then open again; an older close delivered after it changes nothing.
            send(one, connection(openedLast.instance(), "open", null, T0));
            send(two, connection(openedLast.instance(), "close", 401, T0.plusSeconds(5)));
            send(one, connection(openedLast.instance(), "open", null, T0.plusSeconds(30)));
            send(two, connection(openedLast.instance(), "close", 401, T0.plusSeconds(25)));
            // Evolution's by-events path with the v1 shape, then a QR wait, then a logout.
            Evolution v1 = Evolution.event("CONNECTION_UPDATE", qr.instance());
            v1.root().remove("event");
            v1.data().removeAll();
            v1.data().put("instance", qr.instance()).put("state", "connecting");
            v1.root().put("date_time", T0.toString());
            assertThat(post(one, "/webhooks/evolution/connection-update", v1.json())).isEqualTo("recorded");
            Evolution code = Evolution.event("qrcode.updated", qr.instance());
            code.data().removeAll();
            code.data().putObject("qrcode").put("instance", qr.instance()).put("code", "2@abc").put("base64",
                    "data:image/png;base64,AAA");
            code.root().put("date_time", T0.plusSeconds(1).toString());
            assertThat(send(two, code)).isEqualTo("recorded");

            for (Replica replica : new Replica[] { one, two }) {
                assertThat(state(replica, closedLast.instance())).isEqualTo("close");
                assertThat(state(replica, openedLast.instance())).isEqualTo("open");
                assertThat(state(replica, qr.instance())).isEqualTo("qrcode");
                JsonNode closed = JSON.readTree(replica.get("/admin/instances?state=close").body());
                assertThat(closed.findValuesAsText("instance")).contains(closedLast.instance())
                        .doesNotContain(openedLast.instance());
                Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> replica.metric("ingress_lines{state=\"close\"}") >= 1
                                && replica.metric("ingress_lines{state=\"qrcode\"}") >= 1
                                && replica.metric("ingress_lines_down_longest_seconds") > 0);
            }
            Evolution logout = Evolution.event("logout.instance", qr.instance());
            logout.root().put("date_time", T0.plusSeconds(2).toString());
            send(one, logout);
            assertThat(state(two, qr.instance())).isEqualTo("logout");
        }
        assertThat(Db.rows("SELECT reason FROM core.instance_lines WHERE instance_name = ?", closedLast.instance()))
                .extracting(row -> row.get("reason")).containsExactly("428");
    }

    private static Evolution connection(String instance, String state, Integer reason, Instant at) {
        Evolution event = Evolution.event("connection.update", instance);
        event.data().removeAll();
        event.data().put("instance", instance).put("state", state).put("wuid", "5511900000000@s.whatsapp.net");
        if (reason != null) {
            event.data().put("statusReason", reason);
        }
        event.root().put("date_time", at.toString());
        return event;
    }

    private static String send(Replica replica, Evolution event) throws Exception {
        HttpResponse<String> answer = replica.postWebhook(event).get();
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body()).path("status").asText();
    }

    private String post(Replica replica, String path, String body) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.port() + path))
                .header("Content-Type", "application/json").header(Evolution.TOKEN_HEADER, Evolution.TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body()).path("status").asText();
    }

    private static String state(Replica replica, String instance) throws Exception {
        for (JsonNode line : JSON.readTree(replica.get("/admin/instances").body())) {
            if (instance.equals(line.path("instance").asText())) {
                return line.path("state").asText();
            }
        }
        return null;
    }
}
