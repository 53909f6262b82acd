package clinic.ingress.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Management;
import clinic.ingress.support.PostgresProxyResource;
import clinic.ingress.support.Turns;
import clinic.ingress.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * PostgreSQL stopped, then paused, for at least 10 s while 100 messages of ten chats arrive: every
 * one is answered 2xx (spooled), readiness stays UP, and once PostgreSQL is back the spool is drained:
 * every message stored exactly once, each chat's in the order it was sent, each turned once; a
 * message Evolution re-sends during the outage and after it is still stored once.
 */
@QuarkusTest
@WithTestResource(PostgresProxyResource.class)
class SpoolTest {

    private static final int CHATS = 10;
    private static final int PER_CHAT = 10;

    @TestHTTPResource("/webhooks/evolution")
    URL url;
    @Inject
    RedisDataSource redis;
    @Inject
    Spool spool;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void repair() {
        PostgresProxyResource.proxy().resume();
        PostgresProxyResource.proxy().up();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> spool.depth() == 0);
    }

    @Test
    void postgresStoppedNothingIsRefusedAndEverythingIsStoredOnceInOrder() {
        Db.TestClinic clinic = Db.clinic("spool-stop");
        Evolution resent = Evolution.text(clinic.instance(), "5511960009999", "reenviada");

        Map<String, String> answers = outage(clinic, () -> PostgresProxyResource.proxy().down(), () -> {
            // Evolution sends one message again during the outage...
            assertThat(Webhooks.answer(resent).get("status")).isEqualTo("spooled");
            assertThat(Webhooks.answer(resent).get("status")).isEqualTo("spooled");
        }, () -> PostgresProxyResource.proxy().up());

        assertThat(answers.values()).containsOnly("spooled");
        assertStoredOnceInOrderAndTurnedOnce(clinic, 1);
        // ...and once more after it: still one row, one turn.
        assertThat(Webhooks.answer(resent).get("status")).isEqualTo("duplicate");
        assertThat(Db.count("SELECT count(*) FROM core.whatsapp_messages WHERE instance_name = ? AND whatsapp_message_id = ?",
                clinic.instance(), resent.id())).isEqualTo(1);
    }

    @Test
    void postgresPausedNothingIsRefusedAndEverythingIsStoredOnceInOrder() {
        Db.TestClinic clinic = Db.clinic("spool-pause");

        Map<String, String> answers = outage(clinic, () -> PostgresProxyResource.proxy().pause(), () -> {
        }, () -> PostgresProxyResource.proxy().resume());

        // The first ones waited for the store timeout; once the store is seen stalled, they spool at once.
        assertThat(answers.values()).containsOnly("spooled");
        assertStoredOnceInOrderAndTurnedOnce(clinic, 0);
    }

    /**
     * One message before, then the fault, 100 messages of ten chats (each chat's sent one after the
     * other), the fault kept until the oldest spooled message is 10 s old, then repaired and the spool
     * drained. Answers by WhatsApp id.
     */
    private Map<String, String> outage(Db.TestClinic clinic, Runnable fault, Runnable during, Runnable repair) {
        Webhooks.post(Evolution.text(clinic.instance(), "5511961000000", "antes")).statusCode(200);
        fault.run();
        Map<String, String> answers = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> chats = new ArrayList<>();
        for (int c = 0; c < CHATS; c++) {
            int chat = c;
            chats.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < PER_CHAT; i++) {
                    Evolution event = Evolution.text(clinic.instance(), phone(chat), "mensagem " + i).id(id(clinic, chat, i));
                    HttpResponse<String> answer = post(event);
                    answers.put(event.id(), answer.statusCode() + " " + answer.body());
                }
            }));
        }
        chats.forEach(CompletableFuture::join);
        during.run();
        Management.given().get("/q/health/ready").then().statusCode(200);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> spool.oldestSeconds() >= 10);
        repair.run();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> spool.depth() == 0
                && Db.messages(clinic.instance()) >= 1 + CHATS * PER_CHAT);
        assertThat(answers).hasSize(CHATS * PER_CHAT);
        return answers.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> {
            assertThat(e.getValue()).startsWith("200 ");
            return e.getValue().replaceAll(".*\"status\":\"([a-z]+)\".*", "$1");
        }));
    }

    private void assertStoredOnceInOrderAndTurnedOnce(Db.TestClinic clinic, int extra) {
        List<Map<String, Object>> rows = Db.rows("SELECT whatsapp_message_id, patient_key FROM core.whatsapp_messages "
                + "WHERE instance_name = ? ORDER BY id", clinic.instance());
        assertThat(rows).hasSize(1 + CHATS * PER_CHAT + extra);
        for (int chat = 0; chat < CHATS; chat++) {
            String phone = phone(chat);
            List<Object> stored = rows.stream().filter(row -> phone.equals(row.get("patient_key")))
                    .map(row -> row.get("whatsapp_message_id")).toList();
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < PER_CHAT; i++) {
                sent.add(id(clinic, chat, i));
            }
            assertThat(stored).as("chat %d in the order it was sent", chat).containsExactlyElementsOf(sent);
        }
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> Turns.ofClinic(redis, clinic.clinicId()).size() >= 1 + CHATS * PER_CHAT + extra);
        Map<String, Long> turnsPerMessage = Turns.ofClinic(redis, clinic.clinicId()).stream()
                .collect(Collectors.groupingBy(turn -> turn.get("messageId"), Collectors.counting()));
        assertThat(turnsPerMessage).hasSize(1 + CHATS * PER_CHAT + extra);
        assertThat(turnsPerMessage.values()).as("each turned once").containsOnly(1L);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Db.outbox(clinic.clinicId()) == 0);
    }

    private HttpResponse<String> post(Evolution event) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url.toString()))
                    .header("Content-Type", "application/json")
                    .header(Evolution.TOKEN_HEADER, Evolution.TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(event.json())).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String phone(int chat) {
        return "55119600" + String.format("%05d", chat);
    }

    private static String id(Db.TestClinic clinic, int chat, int i) {
        return "SPOOL-" + clinic.clinicId().toString().substring(0, 8) + "-" + chat + "-" + i;
    }
}
