package clinic.ingress.memory;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.StreamSupport;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;

import clinic.ingress.cache.CacheCodec;
import clinic.ingress.cache.CacheCodecTest;
import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Management;
import clinic.ingress.support.Mem0Stub;
import clinic.ingress.support.Webhooks;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.keys.KeyScanArgs;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.mutiny.Uni;

/**
 * Patient memory through webhooks, with WireMock standing in for mem0 and the real Redis.
 */
@QuarkusTest
@WithTestResource(Mem0Stub.class)
class PatientMemoryTest {

    private static final String SEARCH = "/v3/memories/search/";
    private static final String ADD = "/v3/memories/add/";

    @Inject
    PatientMemory memory;
    @Inject
    @CacheName("patient-memory")
    Cache localTier;
    @Inject
    PatientKeys keys;
    @Inject
    CacheCodec codec;
    @Inject
    RedisDataSource redis;
    @Inject
    CircuitBreakerMaintenance breakers;

    private Db.TestClinic clinic;

    @BeforeEach
    void setUp() {
        // Every test starts with closed circuits, whatever the previous one left.
        breakers.resetAll();
        Mem0Stub.server().resetAll();
        mem0Answers(ok());
        Mem0Stub.server().stubFor(post(urlEqualTo(ADD)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(Mem0Stub.fixture("add-v3.json"))));
        clinic = Db.clinic("memory");
    }

    @Test
    void aHitMakesNoMem0Request() {
        String phone = phone();
        assertThat(voiceNote(phone)).isEqualTo("fresh");
        assertThat(voiceNote(phone)).isEqualTo("cached");

        // Another replica (empty local tier) is served by Redis, still without mem0.
        localTier.invalidate(key(phone)).await().indefinitely();
        assertThat(voiceNote(phone)).isEqualTo("cached");
        assertThat(searches(phone)).isEqualTo(1);
    }

    @Test
    void slowMem0AnswersNoneWithinTheBudgetAndFillsTheCacheAfterwards() {
        mem0Answers(ok().withFixedDelay(5000));
        String phone = phone();

        assertThat(voiceNote(phone)).isEqualTo("none");

        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> redis.key().exists(key(phone)));
        assertThat(voiceNote(phone)).isEqualTo("cached");
        assertThat(searches(phone)).isEqualTo(1);
    }

    @Test
    void slowMem0ServesTheStaleEntryAndRefreshesIt() throws Exception {
        mem0Answers(ok().withFixedDelay(5000));
        String phone = phone();
        Instant twoHoursAgo = Instant.now().minus(Duration.ofHours(2));
        redis.value(byte[].class).set(key(phone), codec.encode(key(phone), new ObjectMapper().readTree(
                "{\"items\":[{\"id\":\"old\",\"memory\":\"Antiga\"}],\"deltaMs\":5000,\"freshForMs\":3600000}"), twoHoursAgo));

        assertThat(voiceNote(phone)).isEqualTo("stale");

        Awaitility.await().atMost(Duration.ofSeconds(15))
                .until(() -> codec.decode(key(phone), redis.value(byte[].class).get(key(phone)))
                        .fetchedAt().isAfter(twoHoursAgo.plusSeconds(60)));
        assertThat(voiceNote(phone)).isEqualTo("cached");
    }

    @Test
    void twoHundredConcurrentColdLookupsMakeOneMem0Call() {
        mem0Answers(ok().withFixedDelay(500));
        String phone = phone();
        List<Uni<MemoryLookup>> lookups = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            lookups.add(memory.lookup(subject(phone)));
        }

        List<MemoryLookup> results = Uni.join().all(lookups).andFailFast().await().atMost(Duration.ofSeconds(20));

        // All 200 shared the one call: the same answer, the same items.
        assertThat(results).extracting(MemoryLookup::state).containsOnly(results.get(0).state());
        assertThat(results).extracting(MemoryLookup::items).containsOnly(results.get(0).items());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> redis.key().exists(key(phone)));
        assertThat(searches(phone)).isEqualTo(1);
    }

    @Test
    void failingMem0OpensTheCircuitAndWebhooksKeepAnswering() {
        for (ResponseDefinitionBuilder failure : List.of(
                aResponse().withStatus(500),
                aResponse().withStatus(429).withHeader("Retry-After", "30"),
                aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER))) {
            Mem0Stub.server().resetRequests();
            mem0Answers(failure);
            for (int i = 0; i < 8; i++) {
                assertThat(voiceNote(phone())).isEqualTo("none");
            }
            // Webhooks answer within the budget, so the last failures may still be landing: wait for the state.
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .until(() -> breakers.currentState("mem0-search") == CircuitBreakerState.OPEN);
            // Open now: patients looked up meanwhile never reach mem0.
            List<String> whileOpen = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String phone = phone();
                whileOpen.add(phone);
                assertThat(voiceNote(phone)).isEqualTo("none");
            }
            assertThat(whileOpen).as("mem0 calls while open").allSatisfy(phone -> assertThat(searches(phone)).isZero());

            // mem0 recovers; instead of waiting out the 10 s breaker delay, close the circuit.
            mem0Answers(ok());
            breakers.reset("mem0-search");
            assertThat(voiceNote(phone())).isEqualTo("fresh");
        }
    }

    @Test
    void undecodableRedisValuesAreMissesAndReplaced() throws Exception {
        // Another patient's memories, copied under this patient's key by whoever can write Redis.
        String otherPhone = phone();
        byte[] anotherPatients = codec.encode(key(otherPhone), new ObjectMapper().readTree(
                "{\"items\":[{\"id\":\"x\",\"memory\":\"Alergia a penicilina\"}],\"deltaMs\":1,\"freshForMs\":3600000}"),
                Instant.now());
        List<byte[]> foreign = List.of(
                new byte[] { (byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef },
                "{\"v\":7,\"fetchedAt\":1,\"data\":{\"items\":[]}}".getBytes(),
                anotherPatients,
                CacheCodecTest.codec(CacheCodecTest.KEY_B).encode(key(otherPhone), new ObjectMapper().readTree(
                        "{\"items\":[],\"deltaMs\":1,\"freshForMs\":3600000}"), Instant.now()));
        for (byte[] value : foreign) {
            String phone = phone();
            redis.value(byte[].class).set(key(phone), value);

            assertThat(voiceNote(phone)).isEqualTo("fresh");

            assertThat(codec.decode(key(phone), redis.value(byte[].class).get(key(phone))).data().path("items").toString())
                    .doesNotContain("penicilina");
        }
    }

    @Test
    void noRedisKeyHoldsAPhoneNumberOrLid() {
        String phone = phone();
        String lid = "2098" + phone.substring(4);
        voiceNote(phone);
        Evolution lidOnly = Evolution.text(clinic.instance(), phone, "oi");
        lidOnly.key().put("remoteJid", lid + "@lid");
        send(lidOnly);

        List<String> all = StreamSupport
                .stream(redis.key().scan(new KeyScanArgs().count(1000)).toIterable().spliterator(), false).toList();
        assertThat(all).anyMatch(k -> k.startsWith("mem0:v1:" + clinic.organizationId()));
        assertThat(all).noneMatch(k -> k.contains(phone) || k.contains(lid));
    }

    @Test
    void inboundMessagesAreAddedToMem0WithRetryAfterHonoured() {
        Mem0Stub.server().stubFor(post(urlEqualTo(ADD)).inScenario("rate").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")).willSetStateTo("ok"));
        Mem0Stub.server().stubFor(post(urlEqualTo(ADD)).inScenario("rate").whenScenarioStateIs("ok")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(Mem0Stub.fixture("add-v3.json"))));
        String phone = phone();
        send(Evolution.text(clinic.instance(), phone, "Sou alérgica a dipirona"));

        Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> Mem0Stub.server().verify(2,
                postRequestedFor(urlEqualTo(ADD))
                        .withRequestBody(matchingJsonPath("$.user_id", equalTo(memory.pseudonym(subject(phone)))))
                        .withRequestBody(matchingJsonPath("$.messages[0].content", equalTo("Sou alérgica a dipirona")))));
        // mem0 adds become searchable later: the entry is refreshed after the add.
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> searches(phone) >= 2);
    }

    @Test
    void aPatientsMessagesWaitingForMem0AreAddedTogether() {
        Mem0Stub.server().stubFor(post(urlEqualTo(ADD)).willReturn(aResponse().withStatus(200).withFixedDelay(1500)
                .withHeader("Content-Type", "application/json").withBody(Mem0Stub.fixture("add-v3.json"))));
        String phone = phone();
        for (int i = 1; i <= 6; i++) {
            send(Evolution.text(clinic.instance(), phone, "mensagem " + i));
        }

        var forPatient = postRequestedFor(urlEqualTo(ADD))
                .withRequestBody(matchingJsonPath("$.user_id", equalTo(memory.pseudonym(subject(phone)))));
        Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            var adds = Mem0Stub.server().findAll(forPatient);
            List<String> texts = adds.stream()
                    .flatMap(r -> contents(r.getBodyAsString()).stream())
                    .toList();
            assertThat(texts).containsExactly("mensagem 1", "mensagem 2", "mensagem 3", "mensagem 4", "mensagem 5",
                    "mensagem 6");
            // The first add was in flight; the five messages that arrived meanwhile went in one call.
            assertThat(adds).hasSize(2);
        });
    }

    @Test
    void anAdminCanInvalidateOnePatient() {
        String phone = phone();
        assertThat(voiceNote(phone)).isEqualTo("fresh");
        assertThat(redis.key().exists(key(phone))).isTrue();

        Management.admin()
                .body("{\"organization\":\"" + clinic.organizationId() + "\",\"patient\":\"" + phone + "\"}")
                .post("/admin/cache/invalidate")
                .then().statusCode(200);

        assertThat(redis.key().exists(key(phone))).isFalse();
        assertThat(voiceNote(phone)).isEqualTo("fresh");
        assertThat(searches(phone)).isEqualTo(2);
    }

    private static List<String> contents(String addBody) {
        try {
            List<String> texts = new ArrayList<>();
            new ObjectMapper().readTree(addBody).path("messages").forEach(m -> texts.add(m.path("content").asText()));
            return texts;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ResponseDefinitionBuilder ok() {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(Mem0Stub.fixture("search-v3.json"));
    }

    private static void mem0Answers(ResponseDefinitionBuilder response) {
        Mem0Stub.server().stubFor(post(urlEqualTo(SEARCH)).willReturn(response));
    }

    /** A voice note: looked up in memory but, having no text, never added to mem0. */
    private String voiceNote(String phone) {
        Evolution event = Evolution.text(clinic.instance(), phone, "x");
        event.data().remove("messageType");
        event.data().putObject("message").putObject("audioMessage").put("seconds", 3).put("ptt", true);
        return send(event);
    }

    private static String send(Evolution event) {
        return (String) Webhooks.answer(event).get("memory");
    }

    private int searches(String phone) {
        return Mem0Stub.server().findAll(postRequestedFor(urlEqualTo(SEARCH))
                .withRequestBody(matchingJsonPath("$.filters.user_id", equalTo(memory.pseudonym(subject(phone)))))).size();
    }

    private MemorySubject subject(String phone) {
        return new MemorySubject(clinic.organizationId(), phone);
    }

    private String key(String phone) {
        return keys.memory(clinic.organizationId(), phone);
    }

    private static String phone() {
        return "5511" + (100000000L + Math.floorMod(UUID.randomUUID().getLeastSignificantBits(), 800000000L));
    }
}
