package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Evolution's retry storms: the same {@code key.id} delivered 20 times at once.
 */
@QuarkusTest
class ConcurrentDeliveryTest {

    @TestHTTPResource("/webhooks/evolution")
    URL url;

    @Test
    void twentyConcurrentDeliveriesStoreOneRowAndAllAnswer2xx() throws Exception {
        Db.TestClinic clinic = Db.clinic("concurrent");
        Evolution event = Evolution.text(clinic.instance(), "5511912349999", "tempestade de retries");
        HttpClient http = HttpClient.newHttpClient();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                        return http.send(HttpRequest.newBuilder(URI.create(url.toString()))
                                .header("Content-Type", "application/json")
                                .header(Evolution.TOKEN_HEADER, Evolution.TOKEN)
                                .POST(HttpRequest.BodyPublishers.ofString(event.json()))
                                .build(), HttpResponse.BodyHandlers.ofString());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
            start.countDown();
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                responses.add(answer.get(30, TimeUnit.SECONDS));
            }

            assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
            assertThat(responses).filteredOn(r -> r.body().contains("\"accepted\"")).hasSize(1);
            assertThat(responses).filteredOn(r -> r.body().contains("\"duplicate\"")).hasSize(19);
            assertThat(Db.messages(clinic.instance())).isEqualTo(1);
            assertThat(Db.count("SELECT count(*) FROM healthcare.conversation_logs l JOIN core.whatsapp_messages m "
                    + "ON m.id = l.message_id WHERE m.instance_name = ?", clinic.instance())).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
