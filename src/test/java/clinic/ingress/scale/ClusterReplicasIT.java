package clinic.ingress.scale;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

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
import clinic.ingress.support.RedisCluster;
import clinic.ingress.support.Replica;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

/**
 * Three replicas of the packaged service, as three pods, against a real Redis Cluster of the class's
 * own (3 masters, 3 replicas, {@code scripts/services.sh cluster start} on free ports) and PostgreSQL, with the turn hand-off
 * in
 * six partitions and WireMock standing in for mem0.
 */
class ClusterReplicasIT {

    private static final String SEARCH = "/v3/memories/search/";
    private static final String KEY_SECRET = "cluster-test-key-secret-" + "0123456789abcdef";
    private static final int PARTITIONS = 6;
    /** A stream of this run only: runs never read each other's turns. */
    private static final String STREAM = "it-" + UUID.randomUUID().toString().substring(0, 8) + ":turns";
    /**
     * The replicas' own database: the service the other *IT classes started keeps running beside
     * them, and its relay would take a share of this class's outbox backlog if they shared one.
     */
    private static final String DATABASE = "clinic_ingress_scale_test";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RedisCluster cluster;
    private static WireMockServer mem0;
    private static List<Replica> replicas;

    @BeforeAll
    static void startReplicas() throws Exception {
        cluster = RedisCluster.start();
        Db.useFreshDatabase(DATABASE);
        mem0 = new WireMockServer(WireMockConfiguration.options().dynamicPort().containerThreads(32));
        mem0.start();
        mem0.stubFor(post(urlEqualTo(SEARCH)).willReturn(aResponse().withStatus(200).withFixedDelay(400)
                .withHeader("Content-Type", "application/json").withBody(Mem0Stub.fixture("search-v3.json"))));
        mem0.stubFor(post(urlEqualTo("/v3/memories/add/")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(Mem0Stub.fixture("add-v3.json"))));
        List<String> properties = new ArrayList<>(cluster.serviceProperties());
        properties.addAll(List.of(
                "quarkus.datasource.reactive.url=postgresql://127.0.0.1:5432/" + DATABASE,
                "quarkus.datasource.jdbc.url=jdbc:postgresql://127.0.0.1:5432/" + DATABASE,
                "ingress.dispatch.stream=" + STREAM,
                "ingress.dispatch.partitions=" + PARTITIONS,
                "ingress.dispatch.replica-acks=1",
                // Relays poll often in small rounds, so the three overlap all the time.
                "ingress.dispatch.relay-interval=100ms",
                "ingress.dispatch.relay-batch=20",
                // A turn whose direct publish takes longer than relay-grace may go out a second time
                // from a relay, which the contract allows (consumers drop a turnId seen before). On a
                // two-core CI machine running three replicas, six Redis nodes and PostgreSQL, a
                // replica's event loop can lag past the default 5 s (reproduced with four busy loops
                // beside this class: 44 of 270 turns twice); this class counts the direct path's turns
                // exactly, so it gives them room. The relay test below writes its backlog due at once.
                "ingress.dispatch.relay-grace=60s",
                "ingress.mem0.base-url=" + mem0.baseUrl(),
                "ingress.mem0.api-key=m0-test-key",
                "ingress.cache.key-secret=" + KEY_SECRET,
                // Publish failures and relay decisions in target/replica-*.log, should a turn count be off.
                "quarkus.log.category.\"clinic.ingress.dispatch\".level=DEBUG"));
        String[] options = properties.toArray(String[]::new);
        List<CompletableFuture<Replica>> starting = IntStream.range(0, 3)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> {
                    try {
                        return Replica.start(options);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }))
                .toList();
        replicas = starting.stream().map(CompletableFuture::join).toList();
    }

    @AfterAll
    static void stopReplicas() {
        if (replicas != null) {
            replicas.forEach(Replica::close);
        }
        if (mem0 != null) {
            mem0.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
        Db.useTestDatabase();
    }

    @Test
    void everyMessageIsStoredOnceWhicheverReplicaReceivesIt() throws Exception {
        Db.TestClinic clinic = Db.clinic("cluster-once");
        List<Evolution> events = IntStream.range(0, 240)
                .mapToObj(i -> Evolution.text(clinic.instance(), "5511970" + String.format("%06d", i % 40), "hello " + i))
                .toList();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            answers.add(replicas.get(i % 3).postWebhook(events.get(i)));
        }
        // The same messages again, each to two replicas at the same moment: Evolution's retry racing its original.
        List<Evolution> raced = IntStream.range(0, 30)
                .mapToObj(i -> Evolution.text(clinic.instance(), "5511971" + String.format("%06d", i), "raced " + i))
                .toList();
        List<CompletableFuture<HttpResponse<String>>> racing = new ArrayList<>();
        for (int i = 0; i < raced.size(); i++) {
            racing.add(replicas.get(i % 3).postWebhook(raced.get(i)));
            racing.add(replicas.get((i + 1) % 3).postWebhook(raced.get(i)));
        }

        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            assertThat(status(answer.join())).isEqualTo("accepted");
        }
        for (int i = 0; i < racing.size(); i += 2) {
            assertThat(Set.of(status(racing.get(i).join()), status(racing.get(i + 1).join())))
                    .as("one of the two deliveries stores the message, the other finds it stored")
                    .containsExactlyInAnyOrder("accepted", "duplicate");
        }
        assertThat(Db.messages(clinic.instance())).isEqualTo(events.size() + raced.size());
        assertThat(Db.count("SELECT count(DISTINCT whatsapp_message_id) FROM core.whatsapp_messages WHERE instance_name = ?",
                clinic.instance())).isEqualTo(events.size() + raced.size());

        // One turn per message, in the partition of its patient, and the patients spread over the partitions.
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> turnsOf(clinic).size() >= events.size() + raced.size());
        assertThat(turnsOf(clinic)).as(publishing()).hasSize(events.size() + raced.size());
        Map<String, List<Map<String, String>>> byPartition = turnsByPartition(clinic);
        Map<String, Set<String>> partitionsOfPatient = byPartition.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(turn -> Map.entry(turn.get("patient"), e.getKey())))
                .collect(Collectors.groupingBy(Map.Entry::getKey, Collectors.mapping(Map.Entry::getValue, Collectors.toSet())));
        assertThat(partitionsOfPatient).hasSize(70);
        assertThat(partitionsOfPatient.values()).allSatisfy(streams -> assertThat(streams).hasSize(1));
        assertThat(byPartition.keySet()).hasSizeGreaterThan(1);
    }

    @Test
    void aDirectoryChangeReachesAllThreeReplicas() throws Exception {
        Db.TestClinic clinic = Db.clinic("cluster-directory");
        String path = "/admin/clinics/" + clinic.instance();
        awaitAllServe(path, clinic.name());

        Db.update("UPDATE healthcare.clinics SET name = ? WHERE id = ?", "Renamed " + clinic.name(), clinic.clinicId());

        // Far sooner than the local tier's 5-minute expiry: LISTEN/NOTIFY and the sharded invalidation channel.
        awaitAllServe(path, "Renamed " + clinic.name());
    }

    @Test
    void anInvalidationOnOneReplicaReachesTheOthersThroughTheShardedChannel() throws Exception {
        Db.TestClinic clinic = Db.clinic("cluster-bus");
        String path = "/admin/clinics/" + clinic.instance();
        awaitAllServe(path, clinic.name());
        // Renamed without a NOTIFY (triggers off for this session): only the Redis channel can tell them.
        Db.updateWithoutTriggers("UPDATE healthcare.clinics SET name = ? WHERE id = ?",
                "Quietly renamed " + clinic.name(), clinic.clinicId());
        assertThat(allServe(path, clinic.name())).as("no replica heard of the change yet").isTrue();

        HttpResponse<String> invalidated = replicas.get(0).post("/admin/cache/invalidate",
                "{\"instance\":\"" + clinic.instance() + "\"}");
        assertThat(invalidated.statusCode()).as(invalidated.body()).isEqualTo(200);

        awaitAllServe(path, "Quietly renamed " + clinic.name());
        assertThat(cluster.shardSubscribers("ingress:invalidate")).as("sharded subscribers: one per replica").isEqualTo(3);
    }

    @Test
    void aPatternInvalidationWalksEveryMaster() throws Exception {
        String prefix = "mem0:it-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        Set<Integer> masters = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            cluster.send(Request.cmd(Command.SET).arg(prefix + i).arg("x"));
            masters.add(cluster.masterPortOf(prefix + i));
        }
        assertThat(masters).as("the keys live on every master").hasSize(3);

        HttpResponse<String> answer = replicas.get(1).post("/admin/cache/invalidate", "{\"pattern\":\"" + prefix + "*\"}");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(JSON.readTree(answer.body()).path("removed").asLong()).isEqualTo(60);
        for (int i = 0; i < 60; i++) {
            assertThat(cluster.send(Request.cmd(Command.EXISTS).arg(prefix + i)).toLong()).isZero();
        }
    }

    @Test
    void aStampedeAcrossReplicasCostsOneMem0Call() throws Exception {
        Db.TestClinic clinic = Db.clinic("cluster-stampede");
        String phone = "5511972" + String.format("%06d", (int) (Math.random() * 1_000_000));
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            answers.add(replicas.get(i % 3).postWebhook(Evolution.text(clinic.instance(), phone, "stampede " + i)));
        }
        answers.forEach(answer -> assertThat(status(answer.join())).isEqualTo("accepted"));

        String patient = pseudonym(clinic.organizationId(), phone);
        assertThat(mem0.findAll(postRequestedFor(urlEqualTo(SEARCH))
                .withRequestBody(matchingJsonPath("$.filters.user_id", equalTo(patient)))))
                .as("mem0 searches for the patient, from 3 replicas and 24 concurrent webhooks")
                .hasSize(1);
    }

    @Test
    void theRelaysOfThreeReplicasPublishEachTurnOfABacklogOnce() throws Exception {
        Db.TestClinic clinic = Db.clinic("cluster-relay");
        // A backlog as a Redis outage leaves it: stored messages whose turns are all waiting.
        Db.update("""
                WITH m AS (
                    INSERT INTO core.whatsapp_messages (instance_name, whatsapp_message_id, organization_id, clinic_id,
                        patient_key, from_me, direction, body, message_timestamp)
                    SELECT ?, 'BACKLOG-' || g, ?, ?, '55119' || lpad(g::text, 7, '0'), false, 'inbound', 'backlog ' || g, now()
                    FROM generate_series(1, 600) g
                    RETURNING id)
                INSERT INTO core.turn_outbox (message_id, created_at, available_at) SELECT id, now(), now() FROM m""",
                clinic.instance(), clinic.organizationId(), clinic.clinicId());

        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> Db.outbox(clinic.clinicId()) == 0);
        Map<String, Long> copies = turnsOf(clinic).stream()
                .collect(Collectors.groupingBy(turn -> turn.get("turnId"), Collectors.counting()));
        assertThat(copies).hasSize(600);
        assertThat(copies.values()).as("copies of each turn across the partitions; " + publishing()).containsOnly(1L);
    }

    /** What the replicas say about publishing, for failure messages. */
    private static String publishing() throws Exception {
        StringBuilder report = new StringBuilder();
        for (Replica replica : replicas) {
            report.append(String.format("[direct %.0f, relay %.0f, failed %.0f, unreplicated %.0f] ",
                    replica.metric("ingress_turns_published_total{path=\"direct\"}"),
                    replica.metric("ingress_turns_published_total{path=\"relay\"}"),
                    replica.metric("ingress_turns_publish_failures_total"),
                    replica.metric("ingress_turns_unreplicated_total")));
        }
        return report.toString();
    }

    private static void awaitAllServe(String path, String name) {
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> allServe(path, name));
    }

    private static boolean allServe(String path, String name) throws Exception {
        for (Replica replica : replicas) {
            HttpResponse<String> answer = replica.get(path);
            if (answer.statusCode() != 200 || !name.equals(JSON.readTree(answer.body()).path("name").asText())) {
                return false;
            }
        }
        return true;
    }

    private static List<Map<String, String>> turnsOf(Db.TestClinic clinic) throws Exception {
        return turnsByPartition(clinic).values().stream().flatMap(List::stream).toList();
    }

    private static Map<String, List<Map<String, String>>> turnsByPartition(Db.TestClinic clinic) throws Exception {
        Map<String, List<Map<String, String>>> turns = new TreeMap<>();
        for (int n = 0; n < PARTITIONS; n++) {
            String stream = STREAM + ":{" + n + "}";
            List<Map<String, String>> ofClinic = cluster.entries(stream).stream()
                    .filter(turn -> clinic.clinicId().toString().equals(turn.get("clinic")))
                    .toList();
            if (!ofClinic.isEmpty()) {
                turns.put(stream, ofClinic);
            }
        }
        return turns;
    }

    private static String status(HttpResponse<String> answer) {
        try {
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            return JSON.readTree(answer.body()).path("status").asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pseudonym(UUID organization, String phone) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "p_" + HexFormat.of().formatHex(mac.doFinal((organization + ":" + phone).getBytes(StandardCharsets.UTF_8)));
    }
}
