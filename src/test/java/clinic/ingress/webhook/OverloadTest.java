package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Overrides;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A store that cannot keep up (one small batch at a time, a queue of a few KB): one instance floods
 * with 64 connections while another sends now and then. Only the flooding instance, which holds the
 * queue, is refused (503 overloaded, Retry-After); the quiet one is never refused; and what was
 * refused is not stored, what was accepted is.
 */
@QuarkusTest
@TestProfile(OverloadTest.SmallStore.class)
class OverloadTest {

    public static class SmallStore extends Overrides {
        public SmallStore() {
            super("ingress.store.max-batch", "4", "ingress.store.max-in-flight", "1",
                    "ingress.store.max-queued-bytes", "24K");
        }
    }

    @TestHTTPResource("/webhooks/evolution")
    URL url;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void onlyTheInstanceOverItsShareIsRefused() throws Exception {
        Db.TestClinic noisy = Db.clinic("flood");
        Db.TestClinic quiet = Db.clinic("calm");
        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        Map<Integer, AtomicInteger> floodAnswers = new ConcurrentHashMap<>();
        List<HttpResponse<String>> refusals = new ArrayList<>();
        List<CompletableFuture<Void>> connections = new ArrayList<>();
        for (int c = 0; c < 64; c++) {
            connections.add(CompletableFuture.runAsync(() -> {
                while (flooding.get()) {
                    HttpResponse<String> answer = post(Evolution.text(noisy.instance(),
                            "55119400" + String.format("%05d", sent.incrementAndGet() % 500), "de novo")).join();
                    floodAnswers.computeIfAbsent(answer.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                    if (answer.statusCode() != 200) {
                        synchronized (refusals) {
                            refusals.add(answer);
                        }
                    }
                }
            }));
        }
        List<HttpResponse<String>> quietAnswers = new ArrayList<>();
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> floodAnswers.containsKey(503));
            for (int i = 0; i < 20; i++) {
                quietAnswers.add(post(Evolution.text(quiet.instance(), "5511920000001", "consulta " + i)).join());
            }
        } finally {
            flooding.set(false);
            connections.forEach(CompletableFuture::join);
        }

        assertThat(quietAnswers).extracting(HttpResponse::statusCode).containsOnly(200);
        assertThat(Db.messages(quiet.instance())).isEqualTo(20);
        assertThat(floodAnswers.keySet()).containsOnly(200, 503);
        assertThat(refusals).allSatisfy(answer -> {
            assertThat(answer.headers().firstValue("Retry-After")).isPresent();
            assertThat(answer.body()).contains("urn:clinic-ingress:problem:overloaded");
        });
        assertThat(Db.messages(noisy.instance())).as("what was accepted, and only that, is stored")
                .isEqualTo(floodAnswers.get(200).get());
    }

    private CompletableFuture<HttpResponse<String>> post(Evolution event) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(url.toString()))
                .header("Content-Type", "application/json")
                .header(Evolution.TOKEN_HEADER, Evolution.TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(event.json())).build(), HttpResponse.BodyHandlers.ofString());
    }
}
