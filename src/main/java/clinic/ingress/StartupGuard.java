package clinic.ingress;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import clinic.ingress.webhook.WebhookConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

/**
 * Fails closed: with {@code ingress.fail-closed=true} (every profile but dev and test) the service
 * refuses to start when a secret it needs is missing (a webhook credential, the cache key secret), instead of accepting unauthenticated webhooks.
 */
@ApplicationScoped
public class StartupGuard {

    private final WebhookConfig webhook;
    private final boolean keySecret;
    private final boolean failClosed;

    @jakarta.inject.Inject
    public StartupGuard(WebhookConfig webhook, clinic.ingress.cache.CacheConfig cache,
            @ConfigProperty(name = "ingress.fail-closed", defaultValue = "true") boolean failClosed) {
        this(webhook, cache.keySecret().isPresent(), failClosed);
    }

    StartupGuard(WebhookConfig webhook, boolean keySecret, boolean failClosed) {
        this.webhook = webhook;
        this.keySecret = keySecret;
        this.failClosed = failClosed;
    }

    void check(@Observes StartupEvent event) {
        List<String> missing = missing();
        if (missing.isEmpty()) {
            return;
        }
        if (failClosed) {
            throw new IllegalStateException("refusing to start: " + String.join("; ", missing));
        }
        missing.forEach(problem -> Log.warnf("%s (accepted because ingress.fail-closed=false)", problem));
    }

    /** What is missing for a production start; empty when nothing is. */
    public List<String> missing() {
        List<String> missing = new ArrayList<>();
        if (!webhook.anyCredential()) {
            missing.add("no webhook credential: set ingress.webhook.token, ingress.webhook.jwt-secret "
                    + "or ingress.webhook.instance-apikey-enabled");
        }
        if (!keySecret) {
            missing.add("no ingress.cache.key-secret: patient cache keys would use the development HMAC secret");
        }
        return missing;
    }
}
