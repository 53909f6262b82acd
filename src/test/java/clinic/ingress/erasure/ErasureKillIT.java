package clinic.ingress.erasure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Mem0Stub;
import clinic.ingress.support.Replica;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * An erasure whose replica is killed with SIGKILL midway (PostgreSQL erased, mem0's delete still
 * unanswered) is finished by the next replica to start: it takes the erasure over once its lease ran
 * out, runs every step again, and the receipt counts each message once. Against the packaged service,
 * in a database of its own (no other replica takes the erasure over first) and with its own streams.
 */
class ErasureKillIT {

    private static final String DATABASE = "clinic_ingress_erasure_kill_test";
    private static final String STREAM = "erasure-kill:turns";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static WireMockServer mem0;

    @BeforeAll
    static void standInAndDatabase() {
        mem0 = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        mem0.start();
        mem0.stubFor(post(urlEqualTo("/v3/memories/search/")).willReturn(json(Mem0Stub.fixture("search-v3.json"))));
        mem0.stubFor(post(urlEqualTo("/v3/memories/add/")).willReturn(json(Mem0Stub.fixture("add-v3.json"))));
        Db.useFreshDatabase(DATABASE);
        // The class's own stream, as an earlier run left it: gone, like the database.
        redis(Request.cmd(Command.DEL).arg(STREAM));
    }

    @AfterAll
    static void stop() {
        mem0.stop();
        Db.useTestDatabase();
    }

    @Test
    void anErasureKilledMidwayIsFinishedByTheNextReplica() throws Exception {
        // mem0 takes its time with the first delete: the replica is killed while it waits.
        mem0.stubFor(delete(urlMatching("/v1/memories/.*")).willReturn(json("{\"message\":\"queued\",\"event_id\":\"e1\"}")
                .withFixedDelay(20_000)));
        String phone = "5511977" + String.format("%06d", (int) (Math.random() * 1_000_000));
        String other = "5511966" + String.format("%06d", (int) (Math.random() * 1_000_000));
        Db.TestClinic clinic;
        String id;
        String pseudonym;
        try (Replica first = replica()) {
            clinic = Db.clinic("erasure-kill");
            for (int i = 0; i < 3; i++) {
                assertThat(first.postWebhook(Evolution.text(clinic.instance(), phone, "mensagem " + i)).get().statusCode())
                        .isEqualTo(200);
            }
            assertThat(first.postWebhook(Evolution.text(clinic.instance(), other, "fica")).get().statusCode()).isEqualTo(200);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> turns().size() == 4);
            pseudonym = turns().stream().filter(turn -> turn.get("text").startsWith("mensagem")).findFirst().orElseThrow()
                    .get("patient");

            var begun = first.post("/admin/patients/erase",
                    "{\"instance\":\"" + clinic.instance() + "\",\"phone\":\"" + phone + "\"}");
            assertThat(begun.statusCode()).as(begun.body()).isEqualTo(202);
            id = JSON.readTree(begun.body()).path("id").asText();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !mem0.findAll(deleteRequestedFor(urlMatching(
                    "/v1/memories/.*"))).isEmpty());
            first.kill();
        }
        // Midway: PostgreSQL erased and recorded, the rest not done.
        Map<String, Object> midway = Db.rows("SELECT completed_at, patient_key, removed->>'messages' AS messages "
                + "FROM core.patient_erasures WHERE id = ?::uuid", id).get(0);
        assertThat(midway.get("completed_at")).isNull();
        assertThat(midway.get("patient_key")).isNotNull();
        assertThat(midway.get("messages")).isEqualTo("3");
        assertThat(turns()).extracting(turn -> turn.get("patient")).contains(pseudonym);

        mem0.resetRequests();
        mem0.stubFor(delete(urlMatching("/v1/memories/.*")).willReturn(json("{\"message\":\"queued\",\"event_id\":\"e2\"}")));
        try (Replica second = replica()) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> "done".equals(JSON.readTree(second.get("/admin/patients/erasures/" + id).body())
                            .path("status").asText()));
            JsonNode receipt = JSON.readTree(second.get("/admin/patients/erasures/" + id).body());
            assertThat(receipt.path("removed").path("messages").asLong()).as("each message counted once").isEqualTo(3);
            assertThat(receipt.path("removed").path("mem0Events").toString()).contains("e2");
            assertThat(second.log()).contains("erasure " + id + " taken over");
        }
        mem0.verify(deleteRequestedFor(urlEqualTo("/v1/memories/?user_id=" + pseudonym)));
        assertThat(Db.count("SELECT count(*) FROM core.whatsapp_messages WHERE instance_name = ?", clinic.instance()))
                .as("the other patient's message stays").isEqualTo(1);
        assertThat(Db.rows("SELECT patient_key FROM core.patient_erasures WHERE id = ?::uuid", id).get(0).get("patient_key"))
                .isNull();
        assertThat(turns()).extracting(turn -> turn.get("patient")).doesNotContain(pseudonym);
        assertThat(turns()).filteredOn(turn -> "erase".equals(turn.get("type"))).isNotEmpty();
    }

    private static Replica replica() throws Exception {
        return Replica.start("quarkus.datasource.reactive.url=postgresql://127.0.0.1:5432/" + DATABASE,
                "quarkus.datasource.jdbc.url=jdbc:postgresql://127.0.0.1:5432/" + DATABASE,
                "ingress.dispatch.stream=" + STREAM, "ingress.store.spool-stream=ingress:{spool-erasure-kill}",
                "ingress.mem0.base-url=" + mem0.baseUrl(), "ingress.mem0.api-key=m0-test-key",
                "ingress.erasure.lease=3s", "ingress.erasure.settle=300ms", "ingress.erasure.poll-interval=500ms");
    }

    /** The class's stream's entries, as field maps. */
    private static List<Map<String, String>> turns() throws Exception {
        List<Map<String, String>> entries = new ArrayList<>();
        for (Response entry : redis(Request.cmd(Command.XRANGE).arg(STREAM).arg("-").arg("+"))) {
            Map<String, String> fields = new LinkedHashMap<>();
            Response values = entry.get(1);
            for (int i = 0; i + 1 < values.size(); i += 2) {
                fields.put(values.get(i).toString(), values.get(i + 1).toString());
            }
            entries.add(fields);
        }
        return entries;
    }

    /** One command to the tests' Redis database. */
    private static Response redis(Request command) {
        Vertx vertx = Vertx.vertx();
        try {
            Redis redis = Redis.createClient(vertx, "redis://127.0.0.1:6379/2");
            try {
                return redis.send(command).toCompletionStage().toCompletableFuture().get();
            } finally {
                redis.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            vertx.close();
        }
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }
}
