package clinic.ingress.webhook;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.quarkus.cache.CaffeineCache;

/**
 * A token bucket per instance ({@code ingress.webhook.instance-rate} per second,
 * {@code instance-burst} deep), so that one clinic's re-send storm cannot take the store queue and
 * the mem0 budget every clinic on this replica shares. Checked after the body is parsed (the
 * instance is named in it) and before anything costly: an over-rate message is answered 429 with
 * {@code Retry-After}, which Evolution retries, so nothing is lost and the flood pays for its own
 * delay. Buckets of instances that went quiet are forgotten after ten minutes.
 *
 * <p>
 * Why a bucket and not fair queueing in the batcher: a queued message still costs its parse,
 * store and memory lookup, and on two shared cores it is CPU the quiet clinics wait for; a 429
 * costs the parse only, and tells Evolution to slow down instead of re-sending sooner
 * (docs/operations.md#one-noisy-clinic has the measurement).
 */
@ApplicationScoped
class InstanceRates {

    private static final class Bucket {
        private double tokens;
        private long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }

        synchronized boolean take(double rate, int burst, long now) {
            tokens = Math.min(burst, tokens + (now - refilledAt) * rate / 1e9);
            refilledAt = now;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }

    static final String BUCKETS = "instance-rates";

    private final double rate;
    private final int burst;
    /**
     * quarkus-cache's Caffeine ({@code quarkus.cache.caffeine."instance-rates".*}: forgotten ten
     * minutes after last use, at most 100,000): a Caffeine built here directly needs a generated
     * node class the native image does not register (found running the native executable).
     */
    private final CaffeineCache buckets;

    InstanceRates(WebhookConfig config, @CacheName(BUCKETS) Cache buckets) {
        this.rate = config.instanceRate();
        this.burst = Math.max(1, config.instanceBurst());
        this.buckets = buckets.as(CaffeineCache.class);
    }

    /** Whether {@code instance} may send one more message now. */
    boolean allow(String instance) {
        if (rate <= 0 || instance == null) {
            return true;
        }
        long now = System.nanoTime();
        return bucket(instance, now).take(rate, burst, now);
    }

    private Bucket bucket(String instance, long now) {
        CompletableFuture<Object> known = buckets.getIfPresent(instance);
        if (known != null) {
            return (Bucket) known.join(); // always completed: put below
        }
        // Two first messages at once may both create one; the later put wins, a token or two early.
        Bucket bucket = new Bucket(burst, now);
        buckets.put(instance, CompletableFuture.completedFuture(bucket));
        return bucket;
    }

    /** Seconds until the next token: what Retry-After says. */
    int retryAfterSeconds() {
        return (int) Math.max(1, Math.ceil(1 / Math.max(rate, 1e-9)));
    }
}
