package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Malformed paths and headers, sent as raw bytes (no HTTP client would send most of them): the
 * answer is a 4xx or a 2xx, never a 5xx. {@code POST /webhooks/evolution/%25} was a 500.
 */
@QuarkusTest
class EdgeFuzzTest {

    private static final String[] PATH_TAILS = { "%25", "%", "%zz", "%00", "%2F", "%C0%AF", "%E2%80%AE", "%FF%FE",
            "..", "%2e%2e", ";x", "?x=%", "messages-upsert", "MESSAGES_UPSERT", "connection.update", "a%20b", "%0d%0aX: y",
            "x".repeat(8_000), "\u00e7\u00e3o", "%u0041", "%%", "%2", "messages-upsert/extra", "" };
    private static final String[] TOKENS = { Evolution.TOKEN, "", " ", "wrong", "x".repeat(9_000), "\u00ff\u00fe",
            Evolution.TOKEN + "\u0000" };
    private static final String[] AUTHORIZATIONS = { null, "", "Bearer", "Bearer ", "Bearer a.b.c", "Bearer ...",
            "Basic dXNlcjpwYXNz", "bearer " + "e".repeat(5_000), "Bearer eyJhbGciOiJub25lIn0.e30." };
    private static final String[] LENGTHS = { null, "-1", "abc", "99999999999999999999", "1, 2", "", " 5", "0x10",
            "2147483648", "0" };
    private static final String[] TRANSFER = { null, "chunked", "chunked, gzip", "identity", "gzip", "Chunked" };
    private static final String[] EXTRA = { "", "Expect: 100-continue\r\n", "Expect: foo\r\n", "Content-Type: text/plain\r\n",
            "Content-Type: application/json; charset=latin1\r\n", "Content-Encoding: gzip\r\n", "X-Forwarded-For: ::::\r\n",
            "Host: \r\n" };

    @TestHTTPResource("/")
    URL url;

    @Test
    void noPathOrHeaderGetsAServerError() throws Exception {
        Db.TestClinic clinic = Db.clinic("edge");
        String body = Evolution.text(clinic.instance(), "5511940000001", "borda").json();
        Arbitrary<String> requests = Combinators.combine(
                Arbitraries.of(PATH_TAILS), Arbitraries.of(TOKENS).injectNull(0.3), Arbitraries.of(AUTHORIZATIONS),
                Arbitraries.of(LENGTHS), Arbitraries.of(TRANSFER), Arbitraries.of(EXTRA))
                .as((tail, token, authorization, length, transfer, extra) -> request(tail, token, authorization, length,
                        transfer, extra, body));
        List<String> serverErrors = new ArrayList<>();
        requests.sampleStream().limit(600).forEach(request -> {
            String status = send(request);
            if (status.startsWith("HTTP/1.1 5")) {
                serverErrors.add(status + " for " + request.substring(0, Math.min(200, request.indexOf("\r\n\r\n"))));
            }
        });
        // The named cases: a by-events path that is not an event name names nothing here (404); one
        // Vert.x cannot decode is a 400 before it reaches the route.
        for (String tail : new String[] { "%25", "%00", "a%20b", "x".repeat(100) }) {
            assertThat(send(request(tail, Evolution.TOKEN, null, null, null, "", body))).startsWith("HTTP/1.1 404");
        }
        assertThat(send(request("%zz", Evolution.TOKEN, null, null, null, "", body))).startsWith("HTTP/1.1 400");
        assertThat(send(request("messages-upsert", Evolution.TOKEN, null, null, null, "", body))).startsWith("HTTP/1.1 200");
        assertThat(serverErrors).isEmpty();
    }

    private static String request(String tail, String token, String authorization, String length, String transfer,
            String extra, String body) {
        StringBuilder request = new StringBuilder("POST /webhooks/evolution").append(tail.isEmpty() ? "" : "/")
                .append(tail).append(" HTTP/1.1\r\nHost: localhost\r\n");
        if (token != null) {
            request.append(Evolution.TOKEN_HEADER).append(": ").append(token).append("\r\n");
        }
        if (authorization != null) {
            request.append("Authorization: ").append(authorization).append("\r\n");
        }
        if (length != null) {
            request.append("Content-Length: ").append(length).append("\r\n");
        } else if (transfer == null) {
            request.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
        }
        if (transfer != null) {
            request.append("Transfer-Encoding: ").append(transfer).append("\r\n");
        }
        request.append(extra).append("Connection: close\r\n\r\n");
        if ("chunked".equalsIgnoreCase(transfer)) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            request.append(Integer.toHexString(bytes.length)).append("\r\n").append(body).append("\r\n0\r\n\r\n");
        } else {
            request.append(body);
        }
        return request.toString();
    }

    /** The status line, or what happened instead (closed without an answer is not a server error). */
    private String send(String request) {
        try (Socket socket = new Socket(url.getHost(), url.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException closedEarly) {
                // answered (and closed) before the whole request was written
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
                line.write(b);
            }
            return line.size() == 0 ? "closed" : line.toString(StandardCharsets.ISO_8859_1).trim();
        } catch (SocketTimeoutException e) {
            return "no answer";
        } catch (IOException e) {
            return "closed: " + e.getClass().getSimpleName();
        }
    }
}
