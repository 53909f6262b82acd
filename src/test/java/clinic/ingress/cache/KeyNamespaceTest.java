package clinic.ingress.cache;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Management;
import clinic.ingress.support.Mem0Stub;
import clinic.ingress.support.Overrides;
import clinic.ingress.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The cut-over's shared Redis: with {@code ingress.cache.key-namespace} set, the service writes every
 * cache key under its namespace and never reads or overwrites the Python backend's values, whatever
 * their format (JSON, or its pickle fallback), while the backend's {@code KEYS whatsapp:instance:*}
 * and {@code mem0:*} find none of the service's. A pattern delete cannot reach the backend's keys.
 */
@QuarkusTest
@WithTestResource(Mem0Stub.class)
@TestProfile(KeyNamespaceTest.Namespaced.class)
class KeyNamespaceTest {

    public static class Namespaced extends Overrides {
        public Namespaced() {
            super("ingress.cache.key-namespace", "ci");
        }
    }

    /** What the Python backend's pickle fallback writes: pickle.dumps(dict, protocol=4). */
    private static final byte[] PICKLED = HexFormat.of().parseHex("800495ab000000000000007d94288c09636c696e69635f6964948c24"
            + "31313131313131312d313131312d343131312d383131312d313131313131313131313131948c0f6f7267616e697a6174696f6e5f69"
            + "64948c2432323232323232322d323232322d343232322d383232322d323232323232323232323232948c046e616d65948c0e436c69"
            + "6e696361204c6567616461948c0f77686174736170705f6e756d626572948c0d3535313130303030303030303094752e");

    @Inject
    RedisDataSource redis;
    @Inject
    CacheMetrics metrics;

    @Test
    void neitherSideReadsOrOverwritesTheOthersKeys() {
        Mem0Stub.server().stubFor(post(urlEqualTo("/v3/memories/search/")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(Mem0Stub.fixture("search-v3.json"))));
        Mem0Stub.server().stubFor(post(urlEqualTo("/v3/memories/add/")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(Mem0Stub.fixture("add-v3.json"))));
        Db.TestClinic json = Db.clinic("seed-json");
        Db.TestClinic pickled = Db.clinic("seed-pickle");
        Db.TestClinic ours = Db.clinic("ours");
        // The backend's values as it writes them, for instances both services know.
        String seedJson = "{\"clinic_id\": \"" + json.clinicId() + "\", \"organization_id\": \"" + json.organizationId()
                + "\", \"name\": \"Clinica Legada\", \"whatsapp_number\": \"5511000000000\"}";
        redis.value(String.class).set("whatsapp:instance:" + json.instance(), seedJson, new SetArgs().ex(3600));
        redis.value(byte[].class).set("whatsapp:instance:" + pickled.instance(), PICKLED, new SetArgs().ex(3600));
        redis.value(String.class).set("mem0:seed-user-5511944410000", "{\"results\": []}", new SetArgs().ex(3600));
        Map<String, Long> corruptBefore = metrics.snapshot().get("clinic");

        for (Db.TestClinic clinic : new Db.TestClinic[] { json, pickled, ours }) {
            Webhooks.post(Evolution.text(clinic.instance(), "5511944410000", "oi")).statusCode(200);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> !redis.key().keys("ci:mem0:v1:" + ours.organizationId() + ":*").isEmpty());

        // The backend's values are as it left them: not read (nothing counted corrupt), not rewritten.
        assertThat(redis.value(String.class).get("whatsapp:instance:" + json.instance())).isEqualTo(seedJson);
        assertThat(redis.value(byte[].class).get("whatsapp:instance:" + pickled.instance())).isEqualTo(PICKLED);
        assertThat(redis.value(String.class).get("mem0:seed-user-5511944410000")).isEqualTo("{\"results\": []}");
        assertThat(redis.key().ttl("whatsapp:instance:" + json.instance())).isBetween(3000L, 3600L);
        assertThat(metrics.snapshot().get("clinic").get("redis.corrupt")).isEqualTo(corruptBefore.get("redis.corrupt"));
        // The service's own, under its namespace, and none under the backend's names.
        for (Db.TestClinic clinic : new Db.TestClinic[] { json, pickled, ours }) {
            assertThat(redis.key().exists("ci:whatsapp:instance:" + clinic.instance())).isTrue();
        }
        assertThat(redis.key().exists("whatsapp:instance:" + ours.instance())).isFalse();
        assertThat(redis.key().keys("mem0:v1:" + ours.organizationId() + ":*")).isEmpty();

        // A pattern delete stays inside the namespace.
        Management.admin().body("{\"pattern\": \"whatsapp:instance:*\"}").post("/admin/cache/invalidate").then()
                .statusCode(400);
        Management.admin().body("{\"pattern\": \"ci:whatsapp:instance:" + json.instance() + "*\"}")
                .post("/admin/cache/invalidate").then().statusCode(200);
        assertThat(redis.value(String.class).get("whatsapp:instance:" + json.instance())).isEqualTo(seedJson);
    }
}
