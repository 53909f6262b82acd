package clinic.ingress.webhook;

import clinic.ingress.support.PooledPostgres;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Every row of the answer table again, with the reactive pool behind PgBouncer in transaction mode:
 * the answers must be those of a direct connection.
 */
@QuarkusTest
@TestProfile(PooledPostgres.class)
class PooledWebhookAnswersTest extends WebhookAnswersTest {
}
