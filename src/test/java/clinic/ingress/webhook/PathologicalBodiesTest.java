package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Pathological;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Bodies built to be expensive (generated: base64 runs just under the redaction threshold, deep
 * nesting, long strings and names, many keys) get the answer the answer table gives them: stored,
 * or 400 with a problem, never a 5xx. How long they take is measured by bench.BodyBenchmarks.
 */
@QuarkusTest
class PathologicalBodiesTest {

    @TestHTTPResource("/webhooks/evolution")
    URL url;

    // Not RestAssured: it spends about a second on each deeply nested body before sending it.
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void expensiveBodiesGetCorrectAnswers() {
        Db.TestClinic clinic = Db.clinic("pathological");
        List<String> wrong = new ArrayList<>();
        Pathological.bodies(clinic.instance()).sampleStream().limit(80).forEach(body -> {
            HttpResponse<String> answer = post(body.json());
            if (answer.statusCode() != body.status()) {
                wrong.add(body.kind() + " (" + body.json().length() + " chars): " + answer.statusCode());
            } else if (body.status() == 400 && !answer.body().contains("invalid-event")) {
                wrong.add(body.kind() + ": 400 without the invalid-event problem");
            }
        });
        assertThat(wrong).isEmpty();
    }

    private HttpResponse<String> post(String body) {
        try {
            return http.send(HttpRequest.newBuilder(url.toURI())
                    .header("Content-Type", "application/json")
                    .header(Evolution.TOKEN_HEADER, Evolution.TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException | URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aQuarantinedRunBodyKeepsItsRunsAndLosesNothingElse() throws Exception {
        // Within what quarantine keeps in tests (4 KB): one run of 1,023, a credential, a run of 2,000.
        String body = Pathological.runs(1023, 1) + "\"apikey\": \"secret-value\"" + "B".repeat(2000);

        assertThat(post(body).statusCode()).isEqualTo(400);

        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(body.getBytes(StandardCharsets.UTF_8)));
        String kept = (String) Db.rows("SELECT convert_from(raw, 'LATIN1') AS kept FROM core.webhook_quarantine "
                + "WHERE raw_sha256 = ?", sha256).get(0).get("kept");
        assertThat(kept).startsWith("A".repeat(1023) + "-").contains("\"apikey\": \"[removed]\"")
                .endsWith("[2000 base64 characters removed]").doesNotContain("secret-value");
    }
}
