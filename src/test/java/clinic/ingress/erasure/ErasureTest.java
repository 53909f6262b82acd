package clinic.ingress.erasure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import clinic.ingress.clinic.Clinic;
import clinic.ingress.evolution.InboundMessage;
import clinic.ingress.evolution.PatientIdentity;
import clinic.ingress.memory.PatientKeys;
import clinic.ingress.spool.Spool;
import clinic.ingress.spool.SpooledMessage;
import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Management;
import clinic.ingress.support.Mem0Stub;
import clinic.ingress.support.RedisContents;
import clinic.ingress.support.Turns;
import clinic.ingress.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * A patient's erasure, end to end against PostgreSQL, Redis and the mem0 stand-in (WireMock, stateful:
 * a patient's memories are found until their delete arrives). Afterwards a {@code pg_dump}, every key
 * and value in Redis, the turn stream and the stand-in hold nothing of the patient, their pseudonyms
 * included, while another patient of the clinic keeps everything; the receipt counts what went, and a
 * second erasure finds nothing. A message of the patient arriving while the erasure runs waits in the
 * spool and is kept whole after it. A patient can be named by pseudonym; bad requests are refused
 * saying why.
 */
@QuarkusTest
@WithTestResource(Mem0Stub.class)
class ErasureTest {

    private static final String SEARCH = "/v3/memories/search/";

    @Inject
    PatientKeys keys;
    @Inject
    RedisDataSource redis;
    @Inject
    Spool spool;

    private Db.TestClinic clinic;

    @BeforeEach
    void setUp() {
        Mem0Stub.server().resetAll();
        Mem0Stub.server().stubFor(post(urlEqualTo(SEARCH)).atPriority(10).willReturn(json(Mem0Stub.fixture("search-v3.json"))));
        Mem0Stub.server().stubFor(post(urlEqualTo("/v3/memories/add/")).willReturn(json(Mem0Stub.fixture("add-v3.json"))));
        // A patient mem0 holds nothing for: 404, as an erasure may meet (nothing to delete is no failure).
        Mem0Stub.server()
                .stubFor(delete(urlMatching("/v1/memories/.*")).atPriority(10).willReturn(aResponse().withStatus(404)));
        clinic = Db.clinic("erasure");
    }

    @Test
    void nothingOfThePatientIsLeftAnywhereAndASecondErasureFindsNothing() throws Exception {
        String phone = phone();
        String lid = String.valueOf(ThreadLocalRandom.current().nextLong(100_000_000_000_000L, 999_999_999_999_999L));
        String marker = "marcador-" + UUID.randomUUID();
        String name = "Nome " + marker;
        String other = phone();
        String pseudonym = pseudonym(phone);
        String lidPseudonym = pseudonym("lid:" + lid);
        rememberedUntilErased(pseudonym);
        rememberedUntilErased(lidPseudonym);

        send(named(Evolution.text(clinic.instance(), phone, "primeira " + marker), name));
        // The same patient, addressed by LID with the phone beside it, then by LID alone.
        Evolution both = named(Evolution.text(clinic.instance(), phone, "segunda " + marker), name);
        both.key().put("remoteJid", lid + "@lid").put("remoteJidAlt", phone + "@s.whatsapp.net");
        send(both);
        Evolution lidOnly = named(Evolution.text(clinic.instance(), phone, "terceira " + marker), name);
        lidOnly.key().put("remoteJid", lid + "@lid");
        send(lidOnly);
        String answerId = send(Evolution.text(clinic.instance(), phone, "resposta da clinica " + marker).fromMe());
        send(Evolution.text(clinic.instance(), other, "outro paciente"));
        // A turn not yet published, a quarantined body and a legacy duplicate that carry the patient.
        Db.update("INSERT INTO core.turn_outbox (message_id, available_at) VALUES (?::uuid, now() + interval '1 hour')",
                Db.message(clinic.instance(), answerId).get("id").toString());
        String body = "{\"data\":{\"key\":{\"remoteJid\":\"" + phone + "@s.whatsapp.net\"},\"pushName\":\"" + name + "\"}}";
        Db.update("INSERT INTO core.webhook_quarantine (reason, instance_name, event, raw, raw_length) "
                + "VALUES ('test', ?, 'messages.upsert', convert_to(?, 'UTF8'), ?)", clinic.instance(), body, body.length());
        Db.update("INSERT INTO core.whatsapp_messages_duplicates (instance_name, whatsapp_message_id, organization_id, "
                + "remote_jid, body) VALUES (?, ?, ?::uuid, ?, ?)", clinic.instance(), Evolution.newId(),
                clinic.organizationId().toString(), phone + "@s.whatsapp.net", "legado " + marker);
        Awaitility.await().atMost(Duration.ofSeconds(15))
                .until(() -> RedisContents.everything(redis).contains(pseudonym.substring(2))
                        && Turns.ofClinic(redis, clinic.clinicId()).size() >= 4);
        assertThat(RedisContents.everything(redis)).contains(marker);

        JsonPath begun = erase("{\"instance\":\"" + clinic.instance() + "\",\"phone\":\"+" + phone + "\"}");
        // Spooled before the erasure reached it (PostgreSQL away a moment ago, say): erased from the spool.
        assertThat(spool.append(spooled(phone, "no spool " + marker, false)).await().indefinitely()).isTrue();
        JsonPath receipt = done(begun.getString("id"));

        assertThat(receipt.getString("subject")).isEqualTo(subject(pseudonym));
        assertThat(receipt.getList("subjects", String.class)).containsExactlyInAnyOrder(subject(pseudonym),
                subject(lidPseudonym));
        assertThat(receipt.getString("operator")).isEqualTo("ingress.admin.token");
        assertThat(receipt.getLong("removed.messages")).isEqualTo(4);
        assertThat(receipt.getLong("removed.conversations")).isEqualTo(2);
        assertThat(receipt.getLong("removed.quarantine")).isEqualTo(1);
        assertThat(receipt.getLong("removed.duplicates")).isEqualTo(1);
        assertThat(receipt.getLong("removed.spooled")).isEqualTo(1);
        assertThat(receipt.getLong("removed.mem0Users")).isEqualTo(2);
        assertThat(receipt.getLong("removed.streamEntries")).isGreaterThanOrEqualTo(3);
        assertThat(receipt.getList("removed.mem0Events", String.class)).hasSize(2);

        List<String> traces = List.of(phone, lid, pseudonym.substring(2), lidPseudonym.substring(2), marker);
        String postgres = Db.dump();
        String everythingInRedis = RedisContents.everything(redis);
        for (String trace : traces) {
            assertThat(postgres).as("pg_dump").doesNotContain(trace);
            assertThat(everythingInRedis).as("Redis").doesNotContain(trace);
        }
        assertThat(Turns.ofClinic(redis, clinic.clinicId())).as("the other patient's turns stay").isNotEmpty()
                .allSatisfy(turn -> assertThat(turn.get("patient")).isEqualTo(pseudonym(other)));
        assertThat(Db.count("SELECT count(*) FROM core.whatsapp_messages WHERE instance_name = ?", clinic.instance()))
                .as("the other patient's message stays").isEqualTo(1);
        assertThat(Db.rows("SELECT patient_key, completed_at FROM core.patient_erasures WHERE id = ?::uuid",
                begun.getString("id"))).singleElement().satisfies(row -> {
                    assertThat(row.get("patient_key")).isNull();
                    assertThat(row.get("completed_at")).isNotNull();
                });
        // The stand-in was asked to delete both pseudonyms, and finds nothing for them now.
        Mem0Stub.server().verify(deleteRequestedFor(urlEqualTo("/v1/memories/?user_id=" + pseudonym)));
        Mem0Stub.server().verify(deleteRequestedFor(urlEqualTo("/v1/memories/?user_id=" + lidPseudonym)));
        assertThat(standInSearch(pseudonym)).isEqualTo("{\"results\":[]}");
        assertThat(standInSearch(lidPseudonym)).isEqualTo("{\"results\":[]}");
        // The erase events are in the partitions, naming the patient by subject only.
        assertThat(Turns.all(redis)).filteredOn(entry -> "erase".equals(entry.get("type")))
                .filteredOn(entry -> begun.getString("id").equals(entry.get("turnId")))
                .extracting(entry -> entry.get("subject")).containsExactlyInAnyOrder(subject(pseudonym), subject(lidPseudonym));

        JsonPath again = done(
                erase("{\"instance\":\"" + clinic.instance() + "\",\"phone\":\"" + phone + "\"}").getString("id"));
        assertThat(again.getString("id")).isNotEqualTo(begun.getString("id"));
        for (String place : List.of("messages", "conversations", "sessions", "logs", "turnOutbox", "memoryOutbox",
                "duplicates", "quarantine", "streamEntries", "spooled")) {
            assertThat(again.getLong("removed." + place)).as(place).isZero();
        }
        assertThat(Db.dump()).doesNotContain(phone).doesNotContain(marker);
    }

    @Test
    void aMessageArrivingDuringTheErasureWaitsAndIsKeptWholeAfterIt() {
        String phone = phone();
        send(Evolution.text(clinic.instance(), phone, "antes"));
        JsonPath begun = erase("{\"instance\":\"" + clinic.instance() + "\",\"phone\":\"" + phone + "\"}");
        Evolution during = Evolution.text(clinic.instance(), phone, "durante a exclusao");
        assertThat(Webhooks.answer(during)).containsEntry("status", "spooled");

        JsonPath receipt = done(begun.getString("id"));
        assertThat(receipt.getLong("removed.messages")).isEqualTo(1);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Db.message(clinic.instance(), during.id()) != null);
        assertThat(Db.message(clinic.instance(), during.id()).get("body")).isEqualTo("durante a exclusao");
        assertThat(Db.count("SELECT count(*) FROM core.whatsapp_messages WHERE instance_name = ? AND body = 'antes'",
                clinic.instance())).isZero();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Turns.ofClinic(redis, clinic.clinicId()).stream()
                .anyMatch(turn -> "durante a exclusao".equals(turn.get("text"))));
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> Mem0Stub.server().verify(
                postRequestedFor(urlEqualTo("/v3/memories/add/"))
                        .withRequestBody(matchingJsonPath("$.messages[0].content", equalTo("durante a exclusao")))));
    }

    @Test
    void aPatientNamedByPseudonymIsFoundAmongTheConversations() {
        String phone = phone();
        send(Evolution.text(clinic.instance(), phone, "pelo pseudonimo"));
        JsonPath receipt = done(erase("{\"instance\":\"" + clinic.instance() + "\",\"patient\":\"" + pseudonym(phone) + "\"}")
                .getString("id"));
        assertThat(receipt.getLong("removed.messages")).isEqualTo(1);
        assertThat(Db.messages(clinic.instance())).isZero();
    }

    @Test
    void badRequestsAreRefusedSayingWhy() {
        Management.admin().body("{\"instance\":\"" + clinic.instance() + "\",\"phone\":\"5511999990000\",\"lid\":\"123\"}")
                .post("/admin/patients/erase").then().statusCode(400);
        Management.admin().body("{\"instance\":\"" + clinic.instance() + "\",\"phone\":\"abc\"}")
                .post("/admin/patients/erase").then().statusCode(400);
        Management.admin().body("{\"instance\":\"" + clinic.instance() + "\",\"patient\":\"p_notapseudonym\"}")
                .post("/admin/patients/erase").then().statusCode(400);
        Management.admin().body("{\"instance\":\"no-such-instance\",\"phone\":\"5511999990000\"}")
                .post("/admin/patients/erase").then().statusCode(404);
        Management.admin().get("/admin/patients/erasures/" + UUID.randomUUID()).then().statusCode(404);
        Management.given().body("{\"instance\":\"" + clinic.instance() + "\",\"phone\":\"5511999990000\"}")
                .contentType("application/json").post("/admin/patients/erase").then().statusCode(401);
    }

    /** The stand-in finds memories for this pseudonym until mem0's delete for it arrives. */
    private static void rememberedUntilErased(String pseudonym) {
        String scenario = "erasure-" + pseudonym;
        Mem0Stub.server().stubFor(post(urlEqualTo(SEARCH)).atPriority(1).inScenario(scenario).whenScenarioStateIs(STARTED)
                .withRequestBody(matchingJsonPath("$.filters.user_id", equalTo(pseudonym)))
                .willReturn(json(Mem0Stub.fixture("search-v3.json"))));
        Mem0Stub.server().stubFor(delete(urlEqualTo("/v1/memories/?user_id=" + pseudonym)).inScenario(scenario)
                .willSetStateTo("erased")
                .willReturn(json("{\"message\":\"Memories deleted\",\"event_id\":\"" + UUID.randomUUID() + "\"}")));
        Mem0Stub.server().stubFor(post(urlEqualTo(SEARCH)).atPriority(1).inScenario(scenario).whenScenarioStateIs("erased")
                .withRequestBody(matchingJsonPath("$.filters.user_id", equalTo(pseudonym)))
                .willReturn(json("{\"results\":[]}")));
    }

    /** What the stand-in answers a search for this pseudonym now. */
    private static String standInSearch(String pseudonym) throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(Mem0Stub.server().baseUrl() + SEARCH)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"x\",\"filters\":{\"user_id\":\"" + pseudonym + "\"}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        return answer.body();
    }

    private JsonPath erase(String body) {
        return Management.admin().body(body).post("/admin/patients/erase").then().statusCode(202).extract().jsonPath();
    }

    private static JsonPath done(String id) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> "done".equals(Management.admin().get("/admin/patients/erasures/" + id).then().statusCode(200)
                        .extract().jsonPath().getString("status")));
        return Management.admin().get("/admin/patients/erasures/" + id).then().extract().jsonPath();
    }

    private SpooledMessage spooled(String phone, String text, boolean held) {
        Clinic resolved = new Clinic(clinic.instance(), clinic.clinicId(), clinic.organizationId(), clinic.name(), null, null);
        InboundMessage message = new InboundMessage(clinic.instance(), "messages.upsert", Evolution.newId(),
                phone + "@s.whatsapp.net", new PatientIdentity(phone, null), false, "conversation", text,
                java.time.OffsetDateTime.now(), null, "{\"text\":\"" + text + "\"}");
        return new SpooledMessage(resolved, message, null, Instant.now(), held);
    }

    private static String send(Evolution event) {
        Map<String, Object> answer = Webhooks.answer(event);
        assertThat(answer.get("status")).isIn("accepted", "duplicate");
        return event.id();
    }

    private static Evolution named(Evolution event, String name) {
        event.data().put("pushName", name);
        return event;
    }

    private String pseudonym(String patientKey) {
        return "p_" + keys.pseudonym(clinic.organizationId(), patientKey);
    }

    private static String subject(String pseudonym) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(("clinic-ingress/erasure/v1\n" + pseudonym).getBytes(StandardCharsets.UTF_8)));
    }

    private static String phone() {
        return "5511" + ThreadLocalRandom.current().nextInt(900_000_000, 999_999_999);
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }
}
