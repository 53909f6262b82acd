package clinic.ingress.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import clinic.ingress.credentials.InstanceSecrets;
import clinic.ingress.credentials.Secrets;
import clinic.ingress.memory.MemorySubject;
import clinic.ingress.memory.PatientMemory;
import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Mem0Stub;
import clinic.ingress.support.Turns;
import clinic.ingress.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;

/**
 * Who can write what: an instance's own secret writes as that instance only, the global credentials
 * no longer vouch for an instance with a secret, rotation accepts both secrets, JWTs are short-lived,
 * and an unauthenticated body is answered before it is read.
 */
@QuarkusTest
@WithTestResource(Mem0Stub.class)
class TenantIsolationTest {

    // Fresh per test: a secret shared by two instances authenticates neither.
    private final String secretA = "instance-a-secret-" + UUID.randomUUID();
    private final String secretB = "instance-b-secret-" + UUID.randomUUID();

    @Inject
    InstanceSecrets secrets;
    @Inject
    PatientMemory memory;
    @Inject
    RedisDataSource redis;

    private Db.TestClinic a;
    private Db.TestClinic b;

    @BeforeEach
    void twoClinicsWithTheirOwnSecrets() {
        Mem0Stub.server().resetAll();
        Mem0Stub.server().stubFor(post(urlMatching(".*")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"results\":[]}")));
        a = Db.clinic("tenant-a");
        b = Db.clinic("tenant-b");
        Db.instanceSecrets(a.instance(), secretA, null);
        Db.instanceSecrets(b.instance(), secretB, null);
        awaitSecured(a.instance(), b.instance());
    }

    @Test
    void anInstanceSecretWritesAsItsOwnInstanceOnly() {
        String phone = "5511977770001";
        Evolution forB = Evolution.text(b.instance(), phone, "mensagem forjada");

        Webhooks.postWithToken(secretA, forB)
                .statusCode(401)
                .contentType("application/problem+json");

        assertThat(Db.messages(b.instance())).isZero();
        assertThat(Db.quarantined(b.instance())).isZero();
        assertThat(Turns.ofClinic(redis, b.clinicId())).isEmpty();
        String pseudonym = memory.pseudonym(new MemorySubject(b.organizationId(), phone));
        assertThat(Mem0Stub.server().findAll(anyRequestedFor(anyUrl()).withRequestBody(containing(pseudonym)))).isEmpty();

        // The same secret still writes as its own instance.
        Webhooks.postWithToken(secretA, Evolution.text(a.instance(), phone, "mensagem legítima"))
                .statusCode(200)
                .body("status", equalTo("accepted"));
    }

    @Test
    void globalCredentialsNoLongerVouchForAnInstanceWithItsOwnSecret() {
        Evolution forB = Evolution.text(b.instance(), "5511977770002", "token global");
        Webhooks.post(forB).statusCode(401);
        given().header("Authorization", "Bearer " + Webhooks.jwt(Evolution.JWT_SECRET, Instant.now()))
                .contentType(ContentType.JSON).body(forB.json()).post(Webhooks.PATH)
                .then().statusCode(401);
        given().contentType(ContentType.JSON).body(forB.apikey(Db.TestClinic.APIKEY).json()).post(Webhooks.PATH)
                .then().statusCode(401);
        assertThat(Db.messages(b.instance())).isZero();

        // An instance without a secret keeps today's behaviour.
        Db.TestClinic open = Db.clinic("tenant-open");
        Webhooks.post(Evolution.text(open.instance(), "5511977770002", "ok")).statusCode(200);
    }

    @Test
    void duringRotationBothSecretsWorkThenOnlyTheNewOne() {
        String next = "instance-b-next-" + UUID.randomUUID();
        Db.instanceSecrets(b.instance(), secretB, next);
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> b.instance().equals(secrets.instanceFor(Secrets.sha256(next))));

        Webhooks.postWithToken(secretB, Evolution.text(b.instance(), "5511977770003", "atual")).statusCode(200);
        Webhooks.postWithToken(next, Evolution.text(b.instance(), "5511977770003", "próximo")).statusCode(200);

        // Promoted: the old secret stops working on every replica.
        Db.instanceSecrets(b.instance(), next, null);
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> secrets.instanceFor(Secrets.sha256(secretB)) == null);
        Webhooks.postWithToken(secretB, Evolution.text(b.instance(), "5511977770003", "antigo")).statusCode(401);
        Webhooks.postWithToken(next, Evolution.text(b.instance(), "5511977770003", "novo")).statusCode(200);
        assertThat(Db.messages(b.instance())).isEqualTo(3);
    }

    @Test
    void longLivedOrIssuedAtLessJwtsAreRefused() {
        Db.TestClinic open = Db.clinic("tenant-jwt");
        Evolution event = Evolution.text(open.instance(), "5511977770004", "jwt");

        given().header("Authorization", "Bearer " + Webhooks.jwt(Evolution.JWT_SECRET, Instant.now(), 3600, true))
                .contentType(ContentType.JSON).body(event.json()).post(Webhooks.PATH)
                .then().statusCode(401);
        given().header("Authorization", "Bearer " + Webhooks.jwt(Evolution.JWT_SECRET, Instant.now(), 600, false))
                .contentType(ContentType.JSON).body(event.json()).post(Webhooks.PATH)
                .then().statusCode(401);
        assertThat(Db.messages(open.instance())).isZero();

        given().header("Authorization", "Bearer " + Webhooks.jwt(Evolution.JWT_SECRET, Instant.now(), 600, true))
                .contentType(ContentType.JSON).body(event.json()).post(Webhooks.PATH)
                .then().statusCode(200);
    }

    @Test
    void anUnauthenticatedFifteenMegabyteBodyIsAnsweredBeforeItIsRead() throws IOException {
        // Headers announce 15 MB; only 64 KB follow. The answer arrives anyway, so nothing waited
        // for (or buffered) the body.
        assertThat(statusOfPartialUpload("X-Webhook-Token: wrong\r\n", 15L << 20)).isEqualTo(401);
        // Without a credential header only the body's apikey could vouch: its small limit applies.
        assertThat(statusOfPartialUpload("", 15L << 20)).isEqualTo(413);
    }

    @Test
    void aBodyApikeySenderMustAnnounceItsLength() throws IOException {
        byte[] body = Evolution.text(a.instance(), "5511977770005", "chunked").json().getBytes(StandardCharsets.UTF_8);
        String chunked = Integer.toHexString(body.length) + "\r\n" + new String(body, StandardCharsets.UTF_8) + "\r\n0\r\n\r\n";
        assertThat(status("Transfer-Encoding: chunked\r\n", chunked.getBytes(StandardCharsets.UTF_8))).isEqualTo(411);
    }

    private int statusOfPartialUpload(String headers, long announced) throws IOException {
        return status("Content-Length: " + announced + "\r\n" + headers, new byte[64 * 1024]);
    }

    private static int status(String headers, byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /webhooks/evolution HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + headers + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                head.write(c);
            }
            return Integer.parseInt(head.toString(StandardCharsets.US_ASCII).split(" ")[1]);
        }
    }

    private void awaitSecured(String... instances) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (String instance : instances) {
                if (!secrets.secured(instance)) {
                    return false;
                }
            }
            return true;
        });
    }
}
