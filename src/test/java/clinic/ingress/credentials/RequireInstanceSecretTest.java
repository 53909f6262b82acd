package clinic.ingress.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Overrides;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * {@code ingress.webhook.require-instance-secret=true}: only an instance's own secret writes.
 */
@QuarkusTest
@TestProfile(RequireInstanceSecretTest.Required.class)
class RequireInstanceSecretTest {

    public static class Required extends Overrides {
        public Required() {
            super("ingress.webhook.require-instance-secret", "true");
        }
    }

    @Inject
    InstanceSecrets secrets;

    @Test
    void globalTokenWritesNothingAndInstanceSecretsStillDo() {
        Db.TestClinic withoutSecret = Db.clinic("required-none");
        Webhooks.post(Evolution.text(withoutSecret.instance(), "5511966660001", "global")).statusCode(401);
        assertThat(Db.messages(withoutSecret.instance())).isZero();

        Db.TestClinic withSecret = Db.clinic("required-own");
        String secret = "required-secret-" + UUID.randomUUID();
        Db.instanceSecrets(withSecret.instance(), secret, null);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> secrets.secured(withSecret.instance()));
        Webhooks.postWithToken(secret, Evolution.text(withSecret.instance(), "5511966660001", "própria"))
                .statusCode(200)
                .body("status", equalTo("accepted"));
    }
}
