package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Management;
import clinic.ingress.support.Overrides;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Bodies are bounded while they are read: past the size limit a chunked body is answered 413 before
 * its end arrives; the in-flight budget (1M here) is taken by the bytes that arrived, so stalled
 * uploads hold next to nothing of it and are closed at their read deadline (408, counted), while a
 * body that finds the budget really full waits for room instead of being refused.
 */
@QuarkusTest
@TestProfile(BodyLimitsTest.SmallIntake.class)
class BodyLimitsTest {

    public static class SmallIntake extends Overrides {
        public SmallIntake() {
            super("ingress.webhook.max-inflight-bytes", "1M", "ingress.webhook.body-idle-timeout", "2s",
                    "ingress.webhook.body-read-timeout", "20s");
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
            assertThat(statusLine(socket)).startsWith("HTTP/1.1 413");
        }
    }

    @Test
    void stalledUploadsHoldNothingAndAreClosedAtTheirDeadline() throws Exception {
        Db.TestClinic other = Db.clinic("beside-stalled");
        double timeoutsBefore = timeouts();
        List<Socket> stalled = new ArrayList<>();
        try {
            // 60 senders with a valid credential announce 1 MiB each (60 MiB against a 1 MiB budget),
            // send a byte and wait.
            for (int i = 0; i < 60; i++) {
                Socket socket = new Socket(url.getHost(), url.getPort());
                socket.setSoTimeout(15_000);
                socket.getOutputStream().write(("POST /webhooks/evolution HTTP/1.1\r\nHost: localhost\r\n"
                        + Evolution.TOKEN_HEADER + ": " + Evolution.TOKEN
                        + "\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{")
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                stalled.add(socket);
            }
            // Another clinic's webhook, large enough to need a real share of the budget, goes through.
            Webhooks.post(Evolution.text(other.instance(), "5511988880001", "x".repeat(300 * 1024))).statusCode(200);
            Webhooks.post(Evolution.text(other.instance(), "5511988880002", "pequena")).statusCode(200);

            // The stalled ones are answered 408 at their idle deadline and closed.
            for (Socket socket : stalled) {
                assertThat(statusLine(socket)).startsWith("HTTP/1.1 408");
            }
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
        assertThat(Db.messages(other.instance())).isEqualTo(2);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> timeouts() - timeoutsBefore >= 60);
    }

    @Test
    void aBodyThatFindsTheBudgetFullWaitsForRoomAndIsStored() throws Exception {
        Db.TestClinic clinic = Db.clinic("inflight");
        String first = Evolution.text(clinic.instance(), "5511988880003", "a".repeat(900 * 1024)).json();
        byte[] firstBytes = first.getBytes(StandardCharsets.UTF_8);
        try (Socket holder = new Socket(url.getHost(), url.getPort())) {
            holder.setSoTimeout(15_000);
            OutputStream out = holder.getOutputStream();
            // 800 KB of a 900 KB body arrive and stay: the budget (1 MB) has 200 KB left.
            out.write(("POST /webhooks/evolution HTTP/1.1\r\nHost: localhost\r\n" + Evolution.TOKEN_HEADER + ": "
                    + Evolution.TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: " + firstBytes.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(firstBytes, 0, 800 * 1024);
            out.flush();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> inflightBytes() >= 800 * 1024);

            // A 300 KB body does not fit: it is paused, not refused...
            CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> Webhooks
                    .post(Evolution.text(clinic.instance(), "5511988880004", "b".repeat(300 * 1024))).extract()
                    .statusCode());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gauge("ingress_webhook_inflight_waiting") >= 1);

            // ...and goes on once the first body has arrived and given its bytes back.
            out.write(firstBytes, 800 * 1024, firstBytes.length - 800 * 1024);
            out.flush();
            assertThat(statusLine(holder)).startsWith("HTTP/1.1 200");
            assertThat(second.get(20, TimeUnit.SECONDS)).isEqualTo(200);
        }
        assertThat(Db.messages(clinic.instance())).isEqualTo(2);
    }

    private static String statusLine(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }

    private static double timeouts() {
        return gauge("ingress_webhook_events_total{outcome=\"timeout\"}");
    }

    private static double inflightBytes() {
        return gauge("ingress_webhook_inflight_bytes");
    }

    /** A value of the Prometheus scrape: the first series whose name (and tags) start the line. */
    private static double gauge(String series) {
        return Management.given().get("/q/metrics").then().extract().asString().lines()
                .filter(line -> line.startsWith(series + " ") || line.startsWith(series + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElse(0);
    }
}
