package clinic.ingress.dispatch;

import java.util.HashMap;
import java.util.Map;

import clinic.ingress.support.PooledPostgres;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The relay's claims (one UPDATE ... FOR UPDATE SKIP LOCKED statement each) through PgBouncer in
 * transaction mode: the same turns published, the same failing rows kept and counted.
 */
@QuarkusTest
@TestProfile(PooledOutboxRelayTest.PooledQuickRelay.class)
class PooledOutboxRelayTest extends OutboxRelayTest {

    public static class PooledQuickRelay extends QuickRelay {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.putAll(new PooledPostgres().getConfigOverrides());
            return overrides;
        }
    }
}
