package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Overrides;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Bodies are bounded while they are read: past the size limit a chunked body is answered 413
 * before its end arrives, and bodies beyond the in-flight budget (1M here) are answered 503 with
 * Retry-After before a byte of them is read, while small webhooks still pass.
 */
@QuarkusTest
@TestProfile(BodyLimitsTest.SmallIntake.class)
class BodyLimitsTest {

    public static class SmallIntake extends Overrides {
        public SmallIntake() {
            super("ingress.webhook.max-inflight-bytes", "1M");
        }
    }

    @TestHTTPResource("/")
    URL url;

    @Test
    void aChunkedBodyOverTheLimitIsRefusedBeforeItEnds() throws Exception {
        try (Socket socket = new Socket(url.getHost(), url.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /webhooks/evolution HTTP/1.1\r\nHost: localhost\r\n" + Evolution.TOKEN_HEADER + ": "
                    + Evolution.TOKEN + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) 'a');
            try {
                // 1.5 MiB against a 1 MiB limit, and never the final chunk: the body does not end.
                for (int i = 0; i < 24; i++) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
            } catch (IOException closedByTheServer) {
                // expected once the answer is sent: the rest is never read
            }
            String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            assertThat(status).startsWith("HTTP/1.1 413");
        }
    }

    @Test
    void bodiesBeyondTheInflightBudgetWaitOutside() throws Exception {
        Db.TestClinic clinic = Db.clinic("inflight");
        Evolution large = Evolution.text(clinic.instance(), "5511988880001", "x".repeat(300 * 1024));
        try (Socket slow = new Socket(url.getHost(), url.getPort())) {
            // A sender that announced 900 KB and sends slowly holds 900 KB of the 1 MB budget.
            slow.getOutputStream().write(("POST /webhooks/evolution HTTP/1.1\r\nHost: localhost\r\n" + Evolution.TOKEN_HEADER
                    + ": " + Evolution.TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 900000\r\n\r\n{")
                    .getBytes(StandardCharsets.US_ASCII));
            slow.getOutputStream().flush();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Webhooks.post(large).extract().statusCode() == 503);

            Webhooks.post(large)
                    .statusCode(503)
                    .header("Retry-After", notNullValue())
                    .contentType("application/problem+json")
                    .body("type", equalTo("urn:clinic-ingress:problem:intake-busy"));
            // A typical webhook of a few KB still fits beside it.
            Webhooks.post(Evolution.text(clinic.instance(), "5511988880002", "pequena")).statusCode(200);
        }
        // The slow sender went away: its reservation is given back.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Webhooks.post(large).extract().statusCode() == 200);
        assertThat(Db.messages(clinic.instance())).isEqualTo(2);
    }
}
