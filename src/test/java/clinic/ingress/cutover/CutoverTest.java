package clinic.ingress.cutover;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import clinic.ingress.credentials.InstanceSecrets;
import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * scripts/cutover.sh against a stand-in of Evolution's webhook endpoints ({@code GET /webhook/find},
 * {@code POST /webhook/set}, as in Evolution 2.x: settings in, the stored row out, {@code apikey}
 * required): a dry run changes nothing; the switch points each instance at this service with the
 * header it authenticates by (its own secret, or the global token), keeps the instance's events,
 * by-events and base64 settings, records the previous ones once, and verifies; the stand-in then
 * delivers a message the way Evolution would and the service stores it; the rollback restores the
 * previous settings exactly. An instance whose webhook Evolution does not keep as asked is set back
 * at once and reported.
 */
@QuarkusTest
class CutoverTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APIKEY = "evolution-global-api-key-for-tests";

    @TestHTTPResource("/webhooks/evolution")
    URI target;
    @Inject
    InstanceSecrets secrets;

    private HttpServer evolution;
    /** Instance -> its webhook row, as Evolution's Webhook table holds it. */
    private final Map<String, ObjectNode> rows = new ConcurrentHashMap<>();
    /** Instances whose set Evolution "forgets" (keeps the old row), to see verification catch it. */
    private final List<String> forgetful = new ArrayList<>();
    private Path work;

    @BeforeEach
    void standIn() throws IOException {
        evolution = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        evolution.createContext("/webhook/", this::handle);
        evolution.start();
        work = Files.createTempDirectory("cutover");
    }

    @AfterEach
    void stop() {
        evolution.stop(0);
    }

    @Test
    void switchesVerifiesDeliversAndRollsBack() throws Exception {
        Db.TestClinic withSecret = Db.clinic("cutover-a");
        Db.TestClinic withToken = Db.clinic("cutover-b");
        String secret = "instance-secret-of-cutover-a-0123456789abcdef";
        Db.instanceSecrets(withSecret.instance(), secret, null);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> secrets.secured(withSecret.instance()));
        ObjectNode oldA = row("https://python-backend.example.com/webhook/evolution", Map.of("X-Api-Key", "old-secret-a"),
                true, false, List.of("MESSAGES_UPSERT", "CONNECTION_UPDATE"));
        ObjectNode oldB = row("https://python-backend.example.com/webhook/evolution", Map.of(), false, true,
                List.of("MESSAGES_UPSERT", "MESSAGES_UPDATE", "QRCODE_UPDATED"));
        rows.put(withSecret.instance(), oldA.deepCopy());
        rows.put(withToken.instance(), oldB.deepCopy());
        Path secretsFile = work.resolve("secrets.json");
        Files.writeString(secretsFile, "{\"" + withSecret.instance() + "\": \"" + secret + "\"}");

        Run dry = cutover(List.of(), withSecret.instance(), withToken.instance());
        assertThat(dry.code).as(dry.output).isZero();
        assertThat(dry.output).contains("dry run").doesNotContain(secret).doesNotContain("old-secret-a");
        assertThat(rows.get(withSecret.instance())).isEqualTo(oldA);
        assertThat(work.resolve("state.json")).doesNotExist();

        Run switched = cutover(List.of("--apply", "--secrets", secretsFile.toString()), withSecret.instance(),
                withToken.instance());
        assertThat(switched.code).as(switched.output).isZero();
        assertThat(switched.output).contains("switched to the target, verified").doesNotContain(secret);
        for (String instance : List.of(withSecret.instance(), withToken.instance())) {
            ObjectNode now = rows.get(instance);
            assertThat(now.path("url").asText()).isEqualTo(target.toString());
            assertThat(now.path("enabled").asBoolean()).isTrue();
        }
        assertThat(rows.get(withSecret.instance()).path("headers").path("X-Webhook-Token").asText()).isEqualTo(secret);
        assertThat(rows.get(withToken.instance()).path("headers").path("X-Webhook-Token").asText()).isEqualTo(Evolution.TOKEN);
        // Their own settings kept: events, by-events, base64.
        assertThat(rows.get(withSecret.instance()).path("webhookByEvents").asBoolean()).isTrue();
        assertThat(rows.get(withToken.instance()).path("webhookBase64").asBoolean()).isTrue();
        assertThat(rows.get(withToken.instance()).path("events")).isEqualTo(oldB.path("events"));
        JsonNode state = JSON.readTree(work.resolve("state.json").toFile());
        assertThat(state.path(withSecret.instance()).path("previous").path("url").asText()).contains("python-backend");

        // Evolution delivers as configured (the by-events instance to <url>/messages-upsert): both stored.
        Evolution first = Evolution.text(withSecret.instance(), "5511944420001", "depois da troca");
        Evolution second = Evolution.text(withToken.instance(), "5511944420002", "depois da troca");
        assertThat(deliver(withSecret.instance(), first)).isEqualTo(200);
        assertThat(deliver(withToken.instance(), second)).isEqualTo(200);
        assertThat(Db.message(withSecret.instance(), first.id())).isNotNull();
        assertThat(Db.message(withToken.instance(), second.id())).isNotNull();

        // A second run changes nothing and keeps the first recording (the one to go back to).
        Run again = cutover(List.of("--apply", "--secrets", secretsFile.toString()), withSecret.instance(),
                withToken.instance());
        assertThat(again.output).contains("already points at the target, verified");
        assertThat(JSON.readTree(work.resolve("state.json").toFile())).isEqualTo(state);

        Run back = cutover(List.of("--apply", "--rollback"), withSecret.instance(), withToken.instance());
        assertThat(back.code).as(back.output).isZero();
        assertThat(back.output).contains("set back to its recorded settings, verified");
        assertThat(settings(rows.get(withSecret.instance()))).isEqualTo(settings(oldA));
        assertThat(settings(rows.get(withToken.instance()))).isEqualTo(settings(oldB));
    }

    @Test
    void anInstanceEvolutionDoesNotKeepAsAskedIsSetBack() throws Exception {
        Db.TestClinic clinic = Db.clinic("cutover-c");
        ObjectNode old = row("https://python-backend.example.com/webhook/evolution", Map.of(), false, false,
                List.of("MESSAGES_UPSERT"));
        rows.put(clinic.instance(), old.deepCopy());
        forgetful.add(clinic.instance());

        Run run = cutover(List.of("--apply"), clinic.instance(), "no-such-instance");
        assertThat(run.code).isEqualTo(1);
        assertThat(run.output).contains(clinic.instance() + ": FAILED verification")
                .contains("no-such-instance: no instance webhook in Evolution");
        assertThat(settings(rows.get(clinic.instance()))).isEqualTo(settings(old));
    }

    private record Run(int code, String output) {
    }

    private Run cutover(List<String> options, String... instances) throws Exception {
        List<String> command = new ArrayList<>(List.of("scripts/cutover.sh", "--evolution",
                "http://127.0.0.1:" + evolution.getAddress().getPort(), "--target", target.toString(), "--state",
                work.resolve("state.json").toString()));
        command.addAll(options);
        command.addAll(List.of(instances));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("EVOLUTION_APIKEY", APIKEY);
        builder.environment().put("CUTOVER_HEADER_VALUE", Evolution.TOKEN);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(process.waitFor(), output);
    }

    /** What Evolution does with an event: POST to the instance's URL (with the by-events suffix) and headers. */
    private int deliver(String instance, Evolution event) throws Exception {
        ObjectNode row = rows.get(instance);
        String url = row.path("url").asText() + (row.path("webhookByEvents").asBoolean() ? "/messages-upsert" : "");
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(event.json()));
        row.path("headers").fields().forEachRemaining(header -> request.header(header.getKey(), header.getValue().asText()));
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** The stand-in: Evolution 2.x's webhook router (webhook.router.ts, webhook.controller.ts), in memory. */
    private void handle(HttpExchange exchange) throws IOException {
        String[] path = exchange.getRequestURI().getPath().split("/");
        String instance = path.length > 3 ? java.net.URLDecoder.decode(path[3], StandardCharsets.UTF_8) : "";
        int status;
        String body;
        if (!APIKEY.equals(exchange.getRequestHeaders().getFirst("apikey"))) {
            status = 401;
            body = "{\"status\":401,\"error\":\"Unauthorized\"}";
        } else if ("GET".equals(exchange.getRequestMethod()) && "find".equals(path[2])) {
            status = 200;
            body = rows.containsKey(instance) ? rows.get(instance).toString() : "null";
        } else if ("POST".equals(exchange.getRequestMethod()) && "set".equals(path[2]) && rows.containsKey(instance)) {
            JsonNode webhook = JSON.readTree(exchange.getRequestBody()).path("webhook");
            if (!webhook.hasNonNull("url") || !webhook.has("enabled")) {
                status = 400;
                body = "{\"status\":400,\"error\":\"instance requires property 'webhook'\"}";
            } else {
                ObjectNode stored = row(webhook.path("url").asText(), JSON.convertValue(webhook.path("headers"), Map.class),
                        webhook.path("byEvents").asBoolean(), webhook.path("base64").asBoolean(),
                        JSON.convertValue(webhook.path("events"), List.class));
                stored.put("enabled", webhook.path("enabled").asBoolean());
                if (!forgetful.contains(instance)) {
                    rows.put(instance, stored);
                }
                status = 201;
                body = stored.toString();
            }
        } else {
            status = 404;
            body = "{\"status\":404,\"error\":\"Not Found\"}";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @SuppressWarnings("unchecked")
    private static ObjectNode row(String url, Map<?, ?> headers, boolean byEvents, boolean base64, List<?> events) {
        ObjectNode row = JSON.createObjectNode().put("id", "cm" + Integer.toHexString(url.hashCode())).put("url", url)
                .put("enabled", true).put("webhookByEvents", byEvents).put("webhookBase64", base64)
                .put("instanceId", "8f0c2a9e-4b7d-4c61-9d3e-2f5a6b7c8d90");
        row.set("headers", JSON.valueToTree(headers == null ? Map.of() : headers));
        row.set("events", JSON.valueToTree(events == null ? List.of() : events));
        return row;
    }

    /** The settings a rollback must restore (not the row's id or timestamps). */
    private static List<Object> settings(ObjectNode row) {
        return List.of(row.path("url").asText(), row.path("enabled").asBoolean(), row.path("headers"),
                row.path("webhookByEvents").asBoolean(), row.path("webhookBase64").asBoolean(), row.path("events"));
    }
}
