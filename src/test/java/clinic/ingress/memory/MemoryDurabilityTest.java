package clinic.ingress.memory;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.LogCapture;
import clinic.ingress.support.Mem0Stub;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * mem0 adds are durable: an accepted add leaves the memory outbox, one a dead replica left behind is
 * added by the memory relay, a message deleted before its add is not sent, what a full queue defers
 * is reported in one line, and a 429 with an absurd Retry-After neither throws nor holds the write
 * slot.
 */
@QuarkusTest
@WithTestResource(Mem0Stub.class)
class MemoryDurabilityTest {

    private static final String ADD = "/v3/memories/add/";

    @Inject
    PatientMemory memory;
    @Inject
    WriteRetries retries;
    @Inject
    MemoryConfig memorySettings;
    @Inject
    DroppedWrites dropped;

    private Db.TestClinic clinic;

    @BeforeEach
    void setUp() {
        Mem0Stub.server().resetAll();
        Mem0Stub.server().stubFor(post(urlMatching("/v3/memories/search/")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"results\":[]}")));
        addAnswers(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(Mem0Stub.fixture("add-v3.json")));
        clinic = Db.clinic("durable");
    }

    @Test
    void anAcceptedAddLeavesTheOutboxAndALeftOverOneIsAddedByTheRelay() {
        String phone = phone();
        String messageId = send(Evolution.text(clinic.instance(), phone, "Tenho consulta amanhã"));
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> adds(phone, "Tenho consulta amanhã") == 1);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> outbox(messageId) == 0);

        // A replica that stored a message and died before its add: the row is past its grace.
        Db.update("INSERT INTO core.memory_outbox (message_id, available_at) VALUES (?::uuid, now() - interval '1 second')",
                messageId);

        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> adds(phone, "Tenho consulta amanhã") == 2);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> outbox(messageId) == 0);
    }

    @Test
    void aMessageMem0KeepsRefusingStaysInTheOutbox() {
        addAnswers(aResponse().withStatus(503));
        String phone = phone();
        String messageId = send(Evolution.text(clinic.instance(), phone, "mem0 fora do ar"));

        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> adds(phone, "mem0 fora do ar") >= 2);
        assertThat(outbox(messageId)).isEqualTo(1);
    }

    @Test
    void aMessageGoneBeforeItsAddIsNotSentAndLeavesTheOutbox() {
        // The queue holds ids and reads the texts back when the add is sent: a message deleted
        // meanwhile (an erasure, retention) has nothing left to add.
        addAnswers(aResponse().withStatus(429).withHeader("Retry-After", "3"));
        String phone = phone();
        String messageId = send(Evolution.text(clinic.instance(), phone, "apagada antes do envio"));
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> adds(phone, "apagada antes do envio") == 1);

        Db.update("DELETE FROM core.whatsapp_messages WHERE id = ?::uuid", messageId);
        addAnswers(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(Mem0Stub.fixture("add-v3.json")));
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> outbox(messageId) == 0);
        assertThat(adds(phone, "apagada antes do envio")).as("the retry found no text to send").isEqualTo(1);
    }

    @Test
    void thousandsOfDeferredAddsAreReportedInOneLineWithTheFirstIds() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            ids.add(UUID.randomUUID());
        }
        try (LogCapture logs = LogCapture.install()) {
            dropped.add(ids.subList(0, 4_000));
            dropped.add(ids.subList(4_000, 5_000));
            dropped.report();
            dropped.report();
            // One line, however many were deferred, and none when none were (two if the periodic
            // report happened to run in between: the count is what the lines add up to).
            List<String> lines = logs.lines().stream().filter(line -> line.contains("deferred to the memory relay")).toList();
            assertThat(lines).hasSizeBetween(1, 2);
            assertThat(lines.stream().mapToLong(MemoryDurabilityTest::deferred).sum()).isEqualTo(5_000);
            String all = String.join("\n", lines);
            assertThat(all).contains(ids.get(0).toString()).contains(ids.get(DroppedWrites.SAMPLE - 1).toString())
                    .doesNotContain(ids.get(DroppedWrites.SAMPLE).toString());
        }
    }

    @Test
    void aHugeRetryAfterIsCappedAndDoesNotHoldTheWriteSlot() {
        assertThat(retries.delay(1, tooManyRequests("99999999999999"))).isEqualTo(memorySettings.write().writeMaxBackoff());
        assertThat(retries.delay(1, tooManyRequests("Wed, 21 Oct 2099 07:28:00 GMT")))
                .isEqualTo(memorySettings.write().writeMaxBackoff());
        assertThat(retries.delay(1, tooManyRequests("2"))).isEqualTo(Duration.ofSeconds(2));
        assertThat(retries.delay(1, tooManyRequests("soon"))).isEqualTo(memorySettings.write().writeInitialBackoff());

        // One write slot in tests: were it leaked by the 429, the next patient's add would never happen.
        addAnswers(aResponse().withStatus(429).withHeader("Retry-After", "99999999999999"));
        String first = phone();
        send(Evolution.text(clinic.instance(), first, "primeira"));
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> adds(first, "primeira") == 1);

        addAnswers(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(Mem0Stub.fixture("add-v3.json")));
        String second = phone();
        send(Evolution.text(clinic.instance(), second, "segunda"));
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> adds(second, "segunda") == 1);
    }

    private static long deferred(String line) {
        Matcher count = Pattern.compile("(\\d+) messages deferred").matcher(line);
        assertThat(count.find()).as(line).isTrue();
        return Long.parseLong(count.group(1));
    }

    private static WebApplicationException tooManyRequests(String retryAfter) {
        return new WebApplicationException(Response.status(429).header("Retry-After", retryAfter).build());
    }

    private static void addAnswers(ResponseDefinitionBuilder response) {
        Mem0Stub.server().stubFor(post(urlEqualTo(ADD)).willReturn(response));
    }

    private int adds(String phone, String text) {
        return Mem0Stub.server().findAll(postRequestedFor(urlEqualTo(ADD))
                .withRequestBody(matchingJsonPath("$.user_id",
                        equalTo(memory.pseudonym(new MemorySubject(clinic.organizationId(), phone)))))
                .withRequestBody(matchingJsonPath("$.messages[*].content", equalTo(text)))).size();
    }

    private static long outbox(String messageId) {
        return Db.count("SELECT count(*) FROM core.memory_outbox WHERE message_id = ?::uuid", messageId);
    }

    private static String send(Evolution event) {
        return (String) Webhooks.answer(event).get("messageId");
    }

    private static String phone() {
        return "5511" + (100000000L + Math.floorMod(UUID.randomUUID().getLeastSignificantBits(), 800000000L));
    }
}
