package clinic.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import clinic.ingress.webhook.WebhookConfig;
import io.quarkus.runtime.configuration.MemorySize;

/**
 * Fail closed: a production start without any webhook credential is refused.
 */
class StartupGuardTest {

    @Test
    void refusesToStartWithoutCredentialWhenFailClosed() {
        StartupGuard guard = new StartupGuard(config(Optional.empty(), Optional.empty(), false), true, true);

        assertThat(guard.missing()).singleElement().asString().contains("no webhook credential");
        assertThatThrownBy(() -> guard.check(null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refusing to start");
    }

    @Test
    void startsWithAnyOneCredential() {
        assertThat(new StartupGuard(config(Optional.of("t"), Optional.empty(), false), true, true).missing()).isEmpty();
        assertThat(new StartupGuard(config(Optional.empty(), Optional.of("s"), false), true, true).missing()).isEmpty();
        assertThat(new StartupGuard(config(Optional.empty(), Optional.empty(), true), true, true).missing()).isEmpty();
    }

    @Test
    void refusesToStartWithoutCacheKeySecret() {
        StartupGuard guard = new StartupGuard(config(Optional.of("t"), Optional.empty(), false), false, true);
        assertThat(guard.missing()).singleElement().asString().contains("ingress.cache.key-secret");
    }

    @Test
    void devOnlyWarns() {
        new StartupGuard(config(Optional.empty(), Optional.empty(), false), false, false).check(null);
    }

    private static WebhookConfig config(Optional<String> token, Optional<String> jwt, boolean apikey) {
        return new WebhookConfig() {
            public Optional<String> token() { return token; }
            public String tokenHeader() { return "X-Webhook-Token"; }
            public Optional<String> jwtSecret() { return jwt; }
            public Duration jwtClockSkew() { return Duration.ofSeconds(30); }
            public boolean instanceApikeyEnabled() { return apikey; }
            public MemorySize maxBodySize() { return new MemorySize(java.math.BigInteger.valueOf(1024)); }
            public boolean acceptGroups() { return false; }
            public Duration storeTimeout() { return Duration.ofSeconds(5); }
            public int retryAfter() { return 5; }
        };
    }
}
