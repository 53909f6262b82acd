package clinic.ingress.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * examples/assistant-consumer/adapter.py, the pattern for plugging the Python backend's own assistant
 * code into the stream: a handler module of the test's own gets each turn once, though one is
 * delivered twice (the stream is at least once), its result is recorded with the turnId, and an
 * erase event reaches the forget function and deletes the patient's record. Against the tests'
 * Redis database and a stream of the test's own; no service needed.
 */
class AssistantAdapterTest {

    @Test
    void eachTurnReachesTheExistingCodeOnceAndAnEraseEventItsForgetFunction() throws Exception {
        Path module = Files.createTempDirectory("assistant");
        Path calls = module.resolve("calls.txt");
        Files.writeString(module.resolve("legacy_assistant.py"), """
                CALLS = %s
                def handle_turn(turn):
                    with open(CALLS, "a") as f:
                        f.write("turn " + turn["turnId"] + " " + turn["text"] + " " + turn["memory"]["state"] + "\\n")
                    return {"reply": "ok " + turn["turnId"]}
                def forget_patient(subject):
                    with open(CALLS, "a") as f:
                        f.write("forget " + subject + "\\n")
                """.formatted("'" + calls + "'"));
        String stream = "adapter-" + UUID.randomUUID().toString().substring(0, 8) + ":turns";
        String tag = "{" + stream + "}";
        String first = UUID.randomUUID().toString();
        String second = UUID.randomUUID().toString();
        String erasure = UUID.randomUUID().toString();
        turn(stream, first, "p_aaaa", "primeira");
        turn(stream, first, "p_aaaa", "primeira");
        turn(stream, second, "p_bbbb", "segunda");
        send(Request.cmd(Command.XADD).arg(stream).arg("*").arg("type").arg("erase").arg("turnId").arg(erasure)
                .arg("organization").arg(UUID.randomUUID().toString()).arg("subject").arg(subject("p_aaaa")));

        ProcessBuilder builder = new ProcessBuilder("/usr/bin/python3", "examples/assistant-consumer/adapter.py",
                "--handler", "legacy_assistant:handle_turn", "--forget", "legacy_assistant:forget_patient", "--redis",
                "redis://127.0.0.1:6379/2", "--stream", stream, "--from-start", "--name", "adapter-test", "--quiet")
                .redirectErrorStream(true).redirectOutput(module.resolve("adapter.log").toFile());
        builder.environment().put("PYTHONPATH", module + ":examples/assistant-consumer");
        Process adapter = builder.start();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> send(Request.cmd(Command.HLEN)
                    .arg("assistant:handled:" + tag)).toInteger() == 3);
        } finally {
            adapter.destroy();
            adapter.waitFor(10, TimeUnit.SECONDS);
        }
        List<String> lines = Files.readAllLines(calls);
        assertThat(lines).as(Files.readString(module.resolve("adapter.log")))
                .containsExactly("turn " + first + " primeira none", "turn " + second + " segunda none",
                        "forget " + subject("p_aaaa"));
        assertThat(send(Request.cmd(Command.EXISTS).arg("assistant:patient:" + tag + ":" + subject("p_aaaa"))).toInteger())
                .as("the erased patient's record").isZero();
        assertThat(send(Request.cmd(Command.LRANGE).arg("assistant:patient:" + tag + ":" + subject("p_bbbb")).arg(0).arg(-1))
                .get(0).toString()).contains("ok " + second);
        for (String key : List.of(stream, "assistant:handled:" + tag, "assistant:owner:" + tag,
                "assistant:patient:" + tag + ":" + subject("p_bbbb"))) {
            send(Request.cmd(Command.DEL).arg(key));
        }
    }

    private static void turn(String stream, String turnId, String patient, String text) {
        send(Request.cmd(Command.XADD).arg(stream).arg("*").arg("turnId").arg(turnId).arg("patient").arg(patient)
                .arg("text").arg(text).arg("messageTimestamp").arg("2026-12-07T05:00:00Z")
                .arg("memory").arg("{\"state\":\"none\",\"items\":[]}"));
    }

    private static String subject(String pseudonym) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(("clinic-ingress/erasure/v1\n" + pseudonym).getBytes(StandardCharsets.UTF_8)));
    }

    private static Response send(Request request) {
        Vertx vertx = Vertx.vertx();
        try {
            Redis redis = Redis.createClient(vertx, "redis://127.0.0.1:6379/2");
            try {
                return redis.send(request).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } finally {
                redis.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            vertx.close();
        }
    }
}
