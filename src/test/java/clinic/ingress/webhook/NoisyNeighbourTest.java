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

import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Overrides;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * One instance sending far above its share (a re-send storm) is answered 429 with Retry-After
 * beyond its bucket, and stores nothing it was refused; another instance sending at the same time
 * is answered 200, every time.
 */
@QuarkusTest
@TestProfile(NoisyNeighbourTest.Rated.class)
class NoisyNeighbourTest {

    public static class Rated extends Overrides {
        public Rated() {
            super("ingress.webhook.instance-rate", "5", "ingress.webhook.instance-burst", "10");
        }
    }

    @TestHTTPResource("/webhooks/evolution")
    URL url;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aFloodingInstanceIsThrottledAndItsNeighbourIsNot() throws Exception {
        Db.TestClinic noisy = Db.clinic("noisy");
        Db.TestClinic quiet = Db.clinic("quiet");
        List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            flood.add(post(Evolution.text(noisy.instance(), "55119100" + String.format("%05d", i), "de novo " + i)));
        }
        List<HttpResponse<String>> quietAnswers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            quietAnswers.add(post(Evolution.text(quiet.instance(), "5511920000001", "consulta " + i)).join());
        }
        List<HttpResponse<String>> floodAnswers = flood.stream().map(CompletableFuture::join).toList();

        assertThat(quietAnswers).allSatisfy(answer -> assertThat(answer.statusCode()).isEqualTo(200));
        assertThat(Db.messages(quiet.instance())).isEqualTo(8);
        List<HttpResponse<String>> throttled = floodAnswers.stream().filter(a -> a.statusCode() == 429).toList();
        long accepted = floodAnswers.stream().filter(a -> a.statusCode() == 200).count();
        assertThat(throttled).isNotEmpty().allSatisfy(answer -> {
            assertThat(answer.headers().firstValue("Retry-After")).isPresent();
            assertThat(answer.body()).contains("instance-rate-exceeded");
        });
        assertThat(accepted + throttled.size()).isEqualTo(floodAnswers.size());
        assertThat(Db.messages(noisy.instance())).as("only what was accepted is stored").isEqualTo(accepted);
    }

    private CompletableFuture<HttpResponse<String>> post(Evolution event) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(url.toString()))
                .header("Content-Type", "application/json")
                .header(Evolution.TOKEN_HEADER, Evolution.TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(event.json())).build(), HttpResponse.BodyHandlers.ofString());
    }
}
