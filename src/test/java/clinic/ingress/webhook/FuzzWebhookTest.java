package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.EvolutionFuzz;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import net.jqwik.api.Arbitraries;

/**
 * 10,000 fuzzed Evolution bodies (the corpus, mutated) through the real endpoint, for a known and an
 * unknown instance, 32 at a time: never a 5xx, and every answer is a row of the answer table with
 * its body.
 */
@QuarkusTest
class FuzzWebhookTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> OK_STATUSES = Set.of("accepted", "duplicate", "ignored", "recorded");

    @Test
    void tenThousandFuzzedBodiesGetAnswersFromTheAnswerTable() throws Exception {
        Db.TestClinic clinic = Db.clinic("fuzz");
        String unknown = "fuzz-unknown-" + Evolution.newId();
        List<byte[]> bodies = Arbitraries.oneOf(EvolutionFuzz.bodies(clinic.instance()), EvolutionFuzz.bodies(unknown))
                .sampleStream().limit(10_000).toList();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create("http://127.0.0.1:" + RestAssured.port + "/webhooks/evolution");
        Semaphore inFlight = new Semaphore(32);
        Map<String, Integer> answers = new ConcurrentHashMap<>();
        List<String> wrong = new CopyOnWriteArrayList<>();
        List<CompletableFuture<?>> calls = new ArrayList<>();

        for (byte[] body : bodies) {
            inFlight.acquire();
            calls.add(http.sendAsync(HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .header(Evolution.TOKEN_HEADER, Evolution.TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString())
                    .whenComplete((response, failure) -> {
                        inFlight.release();
                        String verdict = failure != null ? "no answer: " + failure : check(response);
                        if (verdict != null) {
                            wrong.add(verdict);
                        } else {
                            answers.merge(String.valueOf(response.statusCode()), 1, Integer::sum);
                        }
                    }));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();

        assertThat(wrong).as("answers outside the answer table").isEmpty();
        assertThat(answers.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(10_000);
        // The corpus unchanged is about a fifth of the bodies: many are stored, some quarantined.
        assertThat(answers).containsKeys("200", "202", "400");
    }

    /** Null when the answer is one the answer table allows, else what is wrong with it. */
    private static String check(HttpResponse<String> response) {
        int status = response.statusCode();
        try {
            JsonNode body = JSON.readTree(response.body());
            return switch (status) {
                case 200 -> OK_STATUSES.contains(body.path("status").asText()) ? null : "200 with " + response.body();
                case 202 -> "quarantined".equals(body.path("status").asText()) ? null : "202 with " + response.body();
                case 400 -> "urn:clinic-ingress:problem:invalid-event".equals(body.path("type").asText())
                        && "application/problem+json".equals(response.headers().firstValue("Content-Type").orElse(""))
                                ? null
                                : "400 with " + response.body();
                case 413 -> null;
                default -> status + " with " + response.body();
            };
        } catch (IOException e) {
            return status + " with a body that is not JSON: " + response.body();
        }
    }
}
