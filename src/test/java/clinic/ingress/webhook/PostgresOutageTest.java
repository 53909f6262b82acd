package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Overrides;
import clinic.ingress.support.PostgresProxyResource;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgException;

/**
 * With the spool off ({@code ingress.store.spool=false}), PostgreSQL goes away and comes back while
 * the service keeps running: 503 with Retry-After (which Evolution retries) during the outage, 200
 * after it, with no restart. (With the spool on, the default, see spool.SpoolTest.)
 */
@QuarkusTest
@WithTestResource(PostgresProxyResource.class)
@TestProfile(PostgresOutageTest.NoSpool.class)
class PostgresOutageTest {

    public static class NoSpool extends Overrides {
        public NoSpool() {
            super("ingress.store.spool", "false");
        }
    }

    @Inject
    Pool pool;

    @AfterEach
    void restore() {
        PostgresProxyResource.proxy().latency(Duration.ZERO);
        PostgresProxyResource.proxy().up();
    }

    @Test
    void answers503DuringOutageThenRecoversByItself() {
        Db.TestClinic clinic = Db.clinic("outage");
        Webhooks.post(Evolution.text(clinic.instance(), "5511912347777", "antes")).statusCode(200);

        PostgresProxyResource.proxy().down();
        Evolution during = Evolution.text(clinic.instance(), "5511912347777", "durante");
        Webhooks.post(during)
                .statusCode(503)
                .header("Retry-After", notNullValue())
                .contentType("application/problem+json")
                .body("type", equalTo("urn:clinic-ingress:problem:storage-unavailable"));

        PostgresProxyResource.proxy().up();
        // Evolution re-sends the same delivery: it is stored now, once.
        Webhooks.post(during).statusCode(200).body("status", equalTo("accepted"));
        Webhooks.post(during).statusCode(200).body("status", equalTo("duplicate"));
        assertThat(Db.messages(clinic.instance())).isEqualTo(2);
    }

    @Test
    void aSlowPostgresIsAnswered503WithinTheStoreTimeoutThenStoredOnce() {
        Db.TestClinic clinic = Db.clinic("slow");
        Webhooks.post(Evolution.text(clinic.instance(), "5511912347778", "antes")).statusCode(200);

        PostgresProxyResource.proxy().latency(Duration.ofMillis(2500));
        Evolution slow = Evolution.text(clinic.instance(), "5511912347778", "devagar");
        Webhooks.post(slow)
                .statusCode(503)
                .header("Retry-After", notNullValue());

        PostgresProxyResource.proxy().latency(Duration.ZERO);
        // The slow statement may still have committed: the retry is then a duplicate. Either way, once.
        Webhooks.post(slow).statusCode(200).body("status", anyOf(equalTo("accepted"), equalTo("duplicate")));
        assertThat(Db.count("SELECT count(*) FROM core.whatsapp_messages WHERE instance_name = ? AND whatsapp_message_id = ?",
                clinic.instance(), slow.id())).isEqualTo(1);
    }

    @Test
    void aStatementPastTheServerSideTimeoutIsCancelledByPostgres() {
        // %test statement_timeout is 3 s: the server cancels, the connection goes back to the pool.
        Throwable failure = pool.query("SELECT pg_sleep(4)").execute()
                .onItem().transform(rows -> (Throwable) null)
                .onFailure().recoverWithItem(e -> e)
                .await().atMost(Duration.ofSeconds(10));
        assertThat(failure).isInstanceOf(PgException.class);
        assertThat(((PgException) failure).getSqlState()).isEqualTo("57014");
    }
}
