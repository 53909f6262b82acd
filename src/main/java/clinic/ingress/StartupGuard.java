package clinic.ingress;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import clinic.ingress.admin.AdminConfig;
import clinic.ingress.cache.CacheConfig;
import clinic.ingress.credentials.CredentialsConfig;
import clinic.ingress.dispatch.DispatchConfig;
import clinic.ingress.settings.IngressConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

/**
 * Fails closed: with {@code ingress.fail-closed=true} (every profile but dev and test) the service
 * refuses to start when a secret it needs is missing (a webhook credential, the cache key secret,
 * the cache encryption key unless {@code ingress.cache.plaintext-allowed}) or any configured secret
 * is too weak to be one: blank, shorter than {@value #MIN_SECRET_LENGTH} characters, or an
 * encryption key that is not 256 bits. Messages name the key, never its value. Caching in plaintext,
 * when allowed, is a WARN at every start and {@code ingress.cache.plaintext} = 1; so are turns in
 * plaintext (no {@code ingress.dispatch.seal-key}, allowed by {@code ingress.dispatch.plaintext-allowed}:
 * {@code ingress.dispatch.plaintext} = 1). A shared admin token is a WARN: actions are audited under
 * its name only.
 */
@ApplicationScoped
public class StartupGuard {

    /** 32 characters: a random secret of that length carries at least the 128 bits an HMAC key needs. */
    static final int MIN_SECRET_LENGTH = 32;

    /** The settings the guard looks at. {@code instanceCredentials}: body apikey or per-instance secrets only. */
    record Settings(Optional<String> webhookToken, Optional<String> jwtSecret, boolean instanceCredentials,
            Optional<String> cacheKeySecret, Optional<String> encryptionKey, List<String> previousEncryptionKeys,
            boolean plaintextAllowed, Optional<String> adminToken, Optional<String> sealKey, boolean turnsPlaintextAllowed) {
    }

    private final Settings settings;
    private final boolean failClosed;

    @Inject
    public StartupGuard(CredentialsConfig webhook, CacheConfig cache, AdminConfig admin, DispatchConfig dispatch,
            IngressConfig ingress, MeterRegistry registry) {
        this(new Settings(webhook.token(), webhook.jwtSecret(),
                webhook.instanceApikeyEnabled() || webhook.requireInstanceSecret(),
                cache.keySecret(), cache.encryptionKey(), cache.previousEncryptionKeys().orElse(List.of()),
                cache.plaintextAllowed(), admin.token(), dispatch.sealKey(), dispatch.plaintextAllowed()),
                ingress.failClosed());
        Gauge.builder("ingress.cache.plaintext", () -> cache.encryptionKey().isEmpty() ? 1 : 0)
                .description("1 when cached values (patient memories) are kept in Redis unencrypted")
                .register(registry);
        Gauge.builder("ingress.dispatch.plaintext", () -> dispatch.sealKey().isEmpty() ? 1 : 0)
                .description("1 when turns (text, memories) go to the stream unsealed")
                .register(registry);
    }

    StartupGuard(Settings settings, boolean failClosed) {
        this.settings = settings;
        this.failClosed = failClosed;
    }

    void check(@Observes StartupEvent event) {
        List<String> problems = problems();
        if (settings.encryptionKey().isEmpty() && settings.plaintextAllowed()) {
            Log.warn("patient memories are cached in Redis unencrypted (ingress.cache.plaintext-allowed=true): "
                    + "anyone who can read Redis reads them; set ingress.cache.encryption-key");
        }
        if (settings.sealKey().isEmpty() && settings.turnsPlaintextAllowed()) {
            Log.warn("turns go to the Redis stream unsealed (ingress.dispatch.plaintext-allowed=true): anyone who can read "
                    + "Redis reads patients' messages for ingress.dispatch.retention, and anyone who can write it can forge a "
                    + "turn; set ingress.dispatch.seal-key");
        }
        if (settings.adminToken().isPresent() && failClosed) {
            Log.warn("ingress.admin.token is set: every admin action is audited as 'ingress.admin.token', not by "
                    + "operator; give each operator a token of their own (scripts/admin-operator.sh) and remove it");
        }
        if (problems.isEmpty()) {
            return;
        }
        if (failClosed) {
            String refusal = "clinic-ingress refuses to start: " + String.join("; ", problems);
            // One plain line on stderr before Quarkus reports the failed start (as JSON in prod, where
            // this message would sit in a nested causedBy): what an operator reads first.
            System.err.println(refusal);
            Log.error(refusal);
            throw new IllegalStateException(refusal);
        }
        problems.forEach(problem -> Log.warnf("%s (accepted because ingress.fail-closed=false)", problem));
    }

    /** What stands in the way of a production start; empty when nothing does. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (settings.webhookToken().isEmpty() && settings.jwtSecret().isEmpty() && !settings.instanceCredentials()) {
            problems.add("no webhook credential: set ingress.webhook.token, ingress.webhook.jwt-secret, "
                    + "ingress.webhook.instance-apikey-enabled or ingress.webhook.require-instance-secret");
        }
        if (settings.cacheKeySecret().isEmpty()) {
            problems.add("no ingress.cache.key-secret: patient cache keys would use the development HMAC secret");
        }
        if (settings.encryptionKey().isEmpty() && !settings.plaintextAllowed()) {
            problems.add("no ingress.cache.encryption-key (INGRESS_CACHE_ENCRYPTION_KEY, openssl rand -base64 32): "
                    + "patient memories would be cached in Redis in plaintext; set ingress.cache.plaintext-allowed=true "
                    + "only to accept that");
        }
        if (settings.sealKey().isEmpty() && !settings.turnsPlaintextAllowed()) {
            problems.add("no ingress.dispatch.seal-key (INGRESS_DISPATCH_SEAL_KEY, openssl rand -base64 32): turns would "
                    + "carry patients' messages and memories in the Redis stream in plaintext; set "
                    + "ingress.dispatch.plaintext-allowed=true only to accept that");
        }
        settings.sealKey().ifPresent(key -> {
            if (!aes256(key)) {
                problems.add("ingress.dispatch.seal-key is not a base64 256-bit key (openssl rand -base64 32)");
            }
        });
        strong("ingress.webhook.token", settings.webhookToken(), problems);
        strong("ingress.webhook.jwt-secret", settings.jwtSecret(), problems);
        strong("ingress.cache.key-secret", settings.cacheKeySecret(), problems);
        strong("ingress.admin.token", settings.adminToken(), problems);
        settings.encryptionKey().ifPresent(key -> {
            if (!aes256(key)) {
                problems.add("ingress.cache.encryption-key is not a base64 256-bit key (openssl rand -base64 32)");
            }
        });
        if (settings.previousEncryptionKeys().stream().anyMatch(key -> !aes256(key))) {
            problems.add("ingress.cache.previous-encryption-keys holds a key that is not a base64 256-bit key");
        }
        return problems;
    }

    private static void strong(String name, Optional<String> secret, List<String> problems) {
        secret.ifPresent(value -> {
            if (value.isBlank()) {
                problems.add(name + " is blank");
            } else if (value.length() < MIN_SECRET_LENGTH) {
                problems.add(name + " is shorter than " + MIN_SECRET_LENGTH + " characters (openssl rand -hex 32)");
            }
        });
    }

    private static boolean aes256(String base64) {
        try {
            return Base64.getDecoder().decode(base64.trim()).length == 32;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
