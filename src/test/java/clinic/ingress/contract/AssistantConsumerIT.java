package clinic.ingress.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.RedisCluster;
import clinic.ingress.support.Replica;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * The turn contract from the assistant's side: the reference consumer
 * (examples/assistant-consumer/consumer.py), two processes of it, reading the packaged service's six
 * partitions on a Redis Cluster of the class's own, while 1,000 webhooks of 50 patients arrive and
 * one consumer is killed with SIGKILL halfway. By the consumers' own record: every accepted
 * message handled exactly once, each patient's in the order they were sent, nothing left pending;
 * unsealed and sealed. Sealed, entries a Redis writer forged (unsealed, re-routed to another patient,
 * sealed with a key the consumers lack) are set aside in the dead-letter stream and the consumers go
 * on. Then one patient is erased: their turns leave the stream, and the consumer, given the erase
 * event, deletes its record of them. The fields the turns carry are the ones docs/consumer-contract.md lists.
 */
class AssistantConsumerIT {

    private static final int PARTITIONS = 6;
    private static final int PATIENTS = 50;
    private static final int PER_PATIENT = 20;
    private static final String DATABASE = "clinic_ingress_consumer_test";
    private static final String SEAL_KEY = "c2VhbC1rZXktZm9yLXRoZS1jb250cmFjdC10ZXN0LTE=";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RedisCluster cluster;
    private static Db.TestClinic clinic;

    @BeforeAll
    static void clusterAndDatabase() throws Exception {
        cluster = RedisCluster.start();
        Db.useFreshDatabase(DATABASE);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        Db.useTestDatabase();
    }

    @Test
    void everyTurnHandledOnceInOrderThroughAConsumerKilledHalfway() throws Exception {
        Run run = run(false);
        assertContract(run);
        assertThat(documentedFields()).as("docs/consumer-contract.md's turn fields against what turns carry")
                .containsAll(run.fieldsSeen);
    }

    @Test
    void sealedTurnsCarryNoTextInRedisAndOpenForTheConsumer() throws Exception {
        Run run = run(true);
        assertContract(run);
        assertThat(run.fieldsSeen).contains("sealed", "keyId").doesNotContain("text", "memory");
        for (String stream : run.streams) {
            for (Map<String, String> entry : cluster.entries(stream)) {
                assertThat(String.join(" ", entry.values())).doesNotContain("mensagem");
            }
        }
        assertThat(documentedFields()).containsAll(run.fieldsSeen);
    }

    /** What one run left behind, for the assertions. */
    private record Run(String stream, List<String> streams, Map<String, List<String>> sentByPatient, Set<String> fieldsSeen,
            Path[] consumerLogs, String erasedPhone, String erasureId) {
    }

    private Run run(boolean sealed) throws Exception {
        // The consumers' record of an earlier run (leases, handled turns, patients' lists) goes first.
        for (String key : cluster.keys("assistant:*")) {
            cluster.send(Request.cmd(Command.DEL).arg(key));
        }
        String stream = "ct-" + UUID.randomUUID().toString().substring(0, 8) + ":turns";
        List<String> streams = new ArrayList<>();
        for (int n = 0; n < PARTITIONS; n++) {
            streams.add(stream + ":{" + n + "}");
        }
        List<String> properties = new ArrayList<>(cluster.serviceProperties());
        properties.addAll(List.of(
                "quarkus.datasource.reactive.url=postgresql://127.0.0.1:5432/" + DATABASE,
                "quarkus.datasource.jdbc.url=jdbc:postgresql://127.0.0.1:5432/" + DATABASE,
                "ingress.dispatch.stream=" + stream,
                "ingress.dispatch.partitions=" + PARTITIONS,
                "ingress.dispatch.relay-interval=200ms",
                "ingress.erasure.settle=300ms"));
        if (sealed) {
            properties.add("ingress.dispatch.seal-key=" + SEAL_KEY);
        }
        Map<String, List<String>> sent = new ConcurrentHashMap<>();
        String erasedPhone;
        String erasureId;
        // What the service's turns carry: read before any forged entry joins them.
        Set<String> fields = new TreeSet<>();
        Path[] logs = { Path.of("target", stream.replace(':', '-') + "-c1.log"),
                Path.of("target", stream.replace(':', '-') + "-c2.log") };
        try (Replica replica = Replica.start(properties.toArray(String[]::new))) {
            clinic = Db.clinic("contract");
            Process first = consumer(stream, "c1", sealed, logs[0]);
            Process second = consumer(stream, "c2", sealed, logs[1]);
            try {
                // Both consumers are up when every partition has the group (the first creates them) and
                // each owns partitions: otherwise a fast service could publish everything to the first
                // one to take leases, and "both worked" would test the processes' start-up order.
                Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                    for (String s : streams) {
                        if (groups(s) != 1) {
                            return false;
                        }
                    }
                    Set<String> owners = new HashSet<>();
                    for (String key : cluster.keys("assistant:owner:*")) {
                        var owner = cluster.send(Request.cmd(Command.GET).arg(key));
                        if (owner != null) {
                            owners.add(owner.toString());
                        }
                    }
                    return owners.containsAll(List.of("c1", "c2"));
                });
                AtomicInteger answered = new AtomicInteger();
                ExecutorService patients = Executors.newFixedThreadPool(PATIENTS);
                List<CompletableFuture<Void>> senders = new ArrayList<>();
                for (int p = 0; p < PATIENTS; p++) {
                    String phone = "551197" + String.format("%06d", p);
                    senders.add(CompletableFuture.runAsync(() -> {
                        for (int i = 0; i < PER_PATIENT; i++) {
                            String body = replica.postWebhook(Evolution.text(clinic.instance(), phone, "mensagem " + i)).join()
                                    .body();
                            JsonNode answer = parse(body);
                            assertThat(answer.path("status").asText()).as(body).isEqualTo("accepted");
                            sent.computeIfAbsent(phone, k -> new ArrayList<>()).add(answer.path("messageId").asText());
                            if (answered.incrementAndGet() == PATIENTS * PER_PATIENT / 2) {
                                first.destroyForcibly(); // SIGKILL: no goodbye, its leases and pending entries stay
                            }
                        }
                    }, patients));
                }
                CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
                patients.shutdown();
                Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> handled().size() == PATIENTS * PER_PATIENT && pending(streams) == 0);
                for (String s : streams) {
                    cluster.entries(s).forEach(entry -> fields.addAll(entry.keySet()));
                }
                if (sealed) {
                    forgeAndWatchThemSetAside(streams);
                }
                erasedPhone = sent.keySet().iterator().next();
                erasureId = eraseAndWatchTheConsumerForget(replica, streams, erasedPhone, sent.get(erasedPhone));
            } finally {
                first.destroyForcibly();
                second.destroy();
                second.waitFor(10, TimeUnit.SECONDS);
            }
            return new Run(stream, streams, sent, fields, logs, erasedPhone, erasureId);
        }
    }

    /**
     * Three entries a Redis writer adds beside real turns: none is handled, each lands in its
     * partition's dead-letter stream with the reason, and the consumer still acknowledges them.
     */
    private void forgeAndWatchThemSetAside(List<String> streams) throws Exception {
        String partition = null;
        Map<String, String> real = null;
        for (String s : streams) {
            List<Map<String, String>> entries = cluster.entries(s);
            if (!entries.isEmpty()) {
                partition = s;
                real = entries.get(0);
                break;
            }
        }
        assertThat(real).as("a sealed turn to copy").isNotNull();
        Map<String, String> rerouted = new LinkedHashMap<>(real);
        rerouted.put("patient", "p_another-patient");
        Map<String, String> unknownKey = new LinkedHashMap<>(real);
        unknownKey.put("keyId", "00000000");
        Map<String, String> unsealed = new LinkedHashMap<>(real);
        unsealed.remove("sealed");
        unsealed.remove("seal");
        unsealed.remove("keyId");
        unsealed.put("text", "forjada");
        for (Map<String, String> forged : List.of(rerouted, unknownKey, unsealed)) {
            Request xadd = Request.cmd(Command.XADD).arg(partition).arg("*");
            forged.forEach((name, value) -> xadd.arg(name).arg(value));
            cluster.send(xadd);
        }
        String dead = partition + ":dead";
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> cluster.entries(dead).size() == 3 && pending(streams) == 0);
        assertThat(cluster.entries(dead)).extracting(entry -> entry.get("reason")).containsExactly(
                "does not open: edited, moved to another stream, or given other routing fields",
                "sealed with key 00000000, which --seal-keys lacks",
                "unsealed, while this consumer holds seal keys");
        assertThat(handled()).hasSize(PATIENTS * PER_PATIENT);
    }

    /**
     * Erases one patient through the admin endpoint: their turns leave the stream, the erase event
     * takes their place, and the consumer handles it once and deletes its record of them.
     */
    private String eraseAndWatchTheConsumerForget(Replica replica, List<String> streams, String phone, List<String> turnIds)
            throws Exception {
        String patient = null;
        for (String s : streams) {
            for (Map<String, String> entry : cluster.entries(s)) {
                if (turnIds.contains(entry.get("turnId"))) {
                    patient = entry.get("patient");
                }
            }
        }
        assertThat(patient).as("the patient's pseudonym, from a turn of theirs").startsWith("p_");
        String subject = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(("clinic-ingress/erasure/v1\n" + patient).getBytes(StandardCharsets.UTF_8)));
        assertThat(cluster.keys("assistant:patient:*:" + subject)).as("the consumer's record of the patient").hasSize(1);
        var answer = replica.post("/admin/patients/erase",
                "{\"instance\":\"" + clinic.instance() + "\",\"phone\":\"" + phone + "\"}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
        String id = parse(answer.body()).path("id").asText();
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> "done".equals(parse(replica.get("/admin/patients/erasures/" + id).body()).path("status").asText())
                        && handled().containsKey(id) && cluster.keys("assistant:patient:*:" + subject).isEmpty());
        String everything = cluster.keys("*").toString();
        for (String s : streams) {
            everything += cluster.entries(s).toString();
        }
        assertThat(everything).as("Redis after the erasure").doesNotContain(patient).doesNotContain(patient.substring(2))
                .doesNotContain(phone);
        return id;
    }

    private void assertContract(Run run) throws Exception {
        Set<String> accepted = new HashSet<>();
        run.sentByPatient().values().forEach(accepted::addAll);
        assertThat(accepted).hasSize(PATIENTS * PER_PATIENT);
        Map<String, String> handled = handled();
        assertThat(handled).as("the erase event, handled once").containsKey(run.erasureId());
        handled.remove(run.erasureId());
        assertThat(handled.keySet()).as("handled exactly the accepted turns").isEqualTo(accepted);
        assertThat(handled.values()).as("both consumers worked").contains("c1", "c2");
        assertThat(Files.readString(run.consumerLogs()[1])).as("c2 took c1's partitions over").contains("took");
        // The consumers' records, per patient, in handling order: no turn twice, each patient's in send order.
        List<List<String>> records = new ArrayList<>();
        int total = 0;
        for (String key : cluster.keys("assistant:patient:*")) {
            List<String> turns = new ArrayList<>();
            for (Response record : cluster.send(Request.cmd(Command.LRANGE).arg(key).arg(0).arg(-1))) {
                JsonNode json = parse(record.toString());
                turns.add(json.path("turnId").asText());
                if (json.hasNonNull("traceparent")) {
                    assertThat(json.path("traceparent").asText()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
                }
            }
            if (turns.stream().anyMatch(accepted::contains)) {
                records.add(turns);
                total += turns.size();
            }
        }
        assertThat(total).as("records, duplicates included, but the erased patient's").isEqualTo((PATIENTS - 1) * PER_PATIENT);
        for (Map.Entry<String, List<String>> patientSent : run.sentByPatient().entrySet()) {
            if (patientSent.getKey().equals(run.erasedPhone())) {
                assertThat(records).as("the erased patient's record").noneSatisfy(
                        record -> assertThat(record).containsAnyElementsOf(patientSent.getValue()));
            } else {
                assertThat(records).as("one patient's record")
                        .anySatisfy(record -> assertThat(record).isEqualTo(patientSent.getValue()));
            }
        }
        assertThat(pending(run.streams())).isZero();
    }

    private Process consumer(String stream, String name, boolean sealed, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", "examples/assistant-consumer/consumer.py",
                "--cluster", "--redis", cluster.seedUrl(), "--stream", stream, "--partitions", String.valueOf(PARTITIONS),
                "--name", name, "--lease-ms", "2000", "--from-start"));
        if (sealed) {
            command.addAll(List.of("--seal-keys", SEAL_KEY));
        }
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** turnId -> consumer, over every partition's handled hash. */
    private static Map<String, String> handled() throws Exception {
        Map<String, String> handled = new LinkedHashMap<>();
        for (int n = 0; n < PARTITIONS; n++) {
            Response all = cluster.send(Request.cmd(Command.HGETALL).arg("assistant:handled:{" + n + "}"));
            if (all.getKeys() != null && !all.getKeys().isEmpty()) {
                all.getKeys().forEach(key -> handled.put(key, all.get(key).toString()));
            } else {
                for (int i = 0; i + 1 < all.size(); i += 2) {
                    handled.put(all.get(i).toString(), all.get(i + 1).toString());
                }
            }
        }
        return handled;
    }

    private static long pending(List<String> streams) throws Exception {
        long pending = 0;
        for (String stream : streams) {
            pending += cluster.send(Request.cmd(Command.XPENDING).arg(stream).arg("assistant")).get(0).toLong();
        }
        return pending;
    }

    private static int groups(String stream) throws Exception {
        return cluster.send(Request.cmd(Command.XINFO).arg("GROUPS").arg(stream)).size();
    }

    /** The turn fields docs/consumer-contract.md names in its field tables. */
    private static Set<String> documentedFields() throws Exception {
        Set<String> fields = new HashSet<>();
        Matcher row = Pattern.compile("(?m)^\\| (`[a-zA-Z]+`(?:, `[a-zA-Z]+`)*) \\|")
                .matcher(Files.readString(Path.of("docs/consumer-contract.md")));
        while (row.find()) {
            Matcher name = Pattern.compile("`([a-zA-Z]+)`").matcher(row.group(1));
            while (name.find()) {
                fields.add(name.group(1));
            }
        }
        return fields;
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(json, e);
        }
    }

}
