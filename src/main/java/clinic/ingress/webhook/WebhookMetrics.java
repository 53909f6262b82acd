package clinic.ingress.webhook;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;

/**
 * {@code ingress.webhook.events}, tagged with one of a fixed set of outcomes.
 */
// Created at start, not on first use: its meters exist (at 0) on the first scrape, so an
// increase() alert sees the first event after a deploy.
@Startup
@ApplicationScoped
public class WebhookMetrics {

    /** Every way a webhook can end. */
    public enum Outcome {
        ACCEPTED,
        /** Kept in the spool while PostgreSQL could not take it (200). */
        SPOOLED,
        DUPLICATE,
        /** A line's status (connection.update and friends) recorded. */
        RECORDED,
        IGNORED,
        QUARANTINED,
        UNAUTHORIZED,
        INVALID,
        /** Refused while the store's queue is full, from the instance holding the most of it (503). */
        OVERLOADED,
        /** A body that stopped arriving (body-idle-timeout) or took too long (body-read-timeout). */
        TIMEOUT,
        UNAVAILABLE;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);

    public WebhookMetrics(MeterRegistry registry) {
        for (Outcome outcome : Outcome.values()) {
            counters.put(outcome, Counter.builder("ingress.webhook.events")
                    .description("Webhook deliveries by outcome")
                    .tag("outcome", outcome.tag())
                    .register(registry));
        }
    }

    public void count(Outcome outcome) {
        counters.get(outcome).increment();
    }
}
