package clinic.ingress.webhook;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;

/**
 * The bytes of webhook bodies being read or parsed right now, across every request, bounded by
 * {@code ingress.webhook.max-inflight-bytes}. A body reserves its announced length before its first
 * byte is read (a chunked body, each chunk as it arrives) and gives it back once parsed; what does
 * not fit is answered 503 with {@code Retry-After}, unread. Sixteen 12 MiB media bodies at once
 * would otherwise hold 192 MiB, the native container's limit is 256 MiB, and Evolution re-sends
 * the same bodies after an OOM kill.
 */
// Created at start, not on first use: its meters exist (at 0) on the first scrape, so an
// increase() alert sees the first event after a deploy.
@Startup
@ApplicationScoped
public class InflightBytes {

    private final long max;
    private final AtomicLong used = new AtomicLong();

    public InflightBytes(WebhookConfig config, MeterRegistry registry) {
        this.max = config.maxInflightBytes().asLongValue();
        Gauge.builder("ingress.webhook.inflight.bytes", used, AtomicLong::get)
                .description("Bytes of webhook bodies being read or parsed")
                .baseUnit("bytes")
                .register(registry);
    }

    /**
     * Takes {@code bytes} from the budget if they fit. A single body larger than the whole budget
     * still fits when nothing else is in flight, so no body under the size limit is refused forever.
     */
    public boolean reserve(long bytes) {
        for (long now = used.get();; now = used.get()) {
            if (now > 0 && now + bytes > max) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    public void release(long bytes) {
        used.addAndGet(-bytes);
    }
}
