package clinic.ingress.memory;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Mem0Stub;
import clinic.ingress.support.Replica;

/**
 * The start-up prefetch after a restart: what the shared Redis tier holds fresh is read into the new
 * replica's local tier before it is ready, and readiness does not wait for mem0 (here a mem0 that
 * never answers in time): the patients Redis holds nothing for are asked of mem0 in the background.
 * The prefetched patients' first messages are answered with their cached memories. A database of its
 * own, so the recently active patients are this test's.
 */
class PrefetchIT {

    private static final String DATABASE = "clinic_ingress_prefetch_test";
    private static final String SEARCH = "/v3/memories/search/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static WireMockServer mem0;

    @BeforeAll
    static void standInAndDatabase() {
        mem0 = new WireMockServer(WireMockConfiguration.options().dynamicPort().containerThreads(64));
        mem0.start();
        Db.useFreshDatabase(DATABASE);
    }

    @AfterAll
    static void stop() {
        mem0.stop();
        Db.useTestDatabase();
    }

    @Test
    void aRestartedReplicaIsReadyFromRedisWithoutWaitingForMem0() throws Exception {
        mem0.stubFor(post(urlEqualTo(SEARCH)).willReturn(json(Mem0Stub.fixture("search-v3.json"))));
        mem0.stubFor(post(urlEqualTo("/v3/memories/add/")).willReturn(json(Mem0Stub.fixture("add-v3.json"))));
        Db.TestClinic clinic;
        try (Replica first = replica()) {
            clinic = Db.clinic("prefetch");
            for (int p = 0; p < 3; p++) {
                assertThat(status(first, Evolution.text(clinic.instance(), "551194400000" + p, "oi"))).isEqualTo(200);
            }
            // Each patient's memories in Redis: a second message is answered from the cache.
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> "cached".equals(memory(first,
                    Evolution.text(clinic.instance(), "5511944000002", "de novo"))));
        }
        // A patient Redis holds nothing for (their memories never fetched), and a mem0 that now takes a minute.
        Db.update("INSERT INTO core.whatsapp_messages (instance_name, whatsapp_message_id, organization_id, clinic_id, "
                + "patient_key, direction, body) VALUES (?, ?, ?::uuid, ?::uuid, '5511944000009', 'inbound', 'sem memória')",
                clinic.instance(), Evolution.newId(), clinic.organizationId().toString(), clinic.clinicId().toString());
        mem0.resetAll();
        mem0.stubFor(post(urlEqualTo(SEARCH)).willReturn(json(Mem0Stub.fixture("search-v3.json")).withFixedDelay(60_000)));
        mem0.stubFor(post(urlEqualTo("/v3/memories/add/")).willReturn(json(Mem0Stub.fixture("add-v3.json"))));

        // Ready (Replica.start waits for it) although readiness may wait 2 minutes for the prefetch. The
        // prefetch reads Redis with its own timeout, not a patient's: with the lookups' timeout at 1 ms
        // (a connection still opening), it still finds the three patients.
        try (Replica second = replica("ingress.memory.prefetch-readiness-cap=120s", "ingress.cache.redis-timeout=1ms")) {
            assertThat(second.log()).contains("prefetched memories of 3 of 4 recently active patients from Redis")
                    .contains("1 asked of mem0 in the background");
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> mem0.verify(1, postRequestedFor(urlEqualTo(SEARCH))));
            assertThat(memory(second, Evolution.text(clinic.instance(), "5511944000001", "depois"))).isEqualTo("cached");
            assertThat(second.metric("ingress_cache_requests_total{cache=\"memory\",result=\"hit\",tier=\"local\"}"))
                    .isGreaterThanOrEqualTo(1);
        }
        // The patients are looked for among the newest prefetch-scan inbound messages only: with one,
        // the patient who wrote last ("depois"), whose memories Redis holds.
        try (Replica third = replica("ingress.memory.prefetch-scan=1")) {
            assertThat(third.log()).contains("prefetched memories of 1 of 1 recently active patients from Redis");
        }
    }

    private static Replica replica(String... extra) throws Exception {
        String[] properties = { "quarkus.datasource.reactive.url=postgresql://127.0.0.1:5432/" + DATABASE,
                "quarkus.datasource.jdbc.url=jdbc:postgresql://127.0.0.1:5432/" + DATABASE,
                "ingress.dispatch.stream=prefetch-it:turns", "ingress.store.spool-stream=ingress:{spool-prefetch-it}",
                "ingress.mem0.base-url=" + mem0.baseUrl(), "ingress.mem0.api-key=m0-test-key",
                "ingress.memory.lookup-budget=2s" };
        String[] all = new String[properties.length + extra.length];
        System.arraycopy(properties, 0, all, 0, properties.length);
        System.arraycopy(extra, 0, all, properties.length, extra.length);
        return Replica.start(all);
    }

    private static int status(Replica replica, Evolution event) throws Exception {
        return replica.postWebhook(event).get().statusCode();
    }

    private static String memory(Replica replica, Evolution event) throws Exception {
        return JSON.readTree(replica.postWebhook(event).get().body()).path("memory").asText();
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }
}
