package clinic.ingress.webhook;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;

/**
 * The bytes of webhook bodies being read or parsed right now, across every request, bounded by
 * {@code ingress.webhook.max-inflight-bytes}. Sixteen 12 MiB media bodies at once would otherwise
 * hold 192 MiB, the native container's limit is 256 MiB, and Evolution re-sends the same bodies
 * after an OOM kill.
 *
 * <p>
 * Bytes are taken as they arrive, not as announced: a sender that announces 16 MB and sends a few
 * bytes holds a few bytes, so stalled uploads cannot hold the budget that other clinics' webhooks
 * need (they are closed by the read deadlines in {@link BodyIntake}). A chunk that does not fit is
 * kept and its body's reading paused (TCP pushes back on the sender) until bytes are given back;
 * paused bodies go on in the order they started. The body that started first is never paused, so
 * the bodies in flight always finish: at worst the budget is exceeded by that one body
 * ({@code max-body-size}) and by the one chunk each paused body holds (8 KiB, Vert.x's chunk size).
 */
// Created at start, not on first use: its meters exist (at 0) on the first scrape, so an
// increase() alert sees the first event after a deploy.
@Startup
@ApplicationScoped
public class InflightBytes {

    /** One body's share of the budget, from its first byte until it is parsed or dropped. */
    final class Claim {
        private long held;
        private long wanted;
        private Runnable granted;

        /** Takes {@code bytes} if they fit (or this body is the oldest); otherwise false, nothing taken. */
        boolean take(long bytes) {
            synchronized (InflightBytes.this) {
                if (!fits(this, bytes)) {
                    return false;
                }
                hold(this, bytes);
                return true;
            }
        }

        /**
         * After a {@link #take} that failed: takes {@code bytes} as soon as they fit and then runs
         * {@code then}, on whichever thread gave the bytes back.
         */
        void await(long bytes, Runnable then) {
            List<Runnable> ready;
            synchronized (InflightBytes.this) {
                wanted = bytes;
                granted = then;
                waiting.addLast(this);
                ready = grant();
            }
            ready.forEach(Runnable::run);
        }

        /** Gives back everything this body held; idempotent. */
        void close() {
            List<Runnable> ready;
            synchronized (InflightBytes.this) {
                used -= held;
                held = 0;
                open.remove(this);
                if (granted != null) {
                    waiting.remove(this);
                    granted = null;
                }
                ready = grant();
            }
            ready.forEach(Runnable::run);
        }

        boolean waiting() {
            synchronized (InflightBytes.this) {
                return granted != null;
            }
        }
    }

    private final long max;
    private long used;
    /** Bodies being read or parsed, oldest first. */
    private final LinkedHashSet<Claim> open = new LinkedHashSet<>();
    /** Bodies paused for room, in the order they were paused. */
    private final ArrayDeque<Claim> waiting = new ArrayDeque<>();

    public InflightBytes(WebhookConfig config, MeterRegistry registry) {
        this.max = config.maxInflightBytes().asLongValue();
        Gauge.builder("ingress.webhook.inflight.bytes", this, InflightBytes::used)
                .description("Bytes of webhook bodies being read or parsed")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("ingress.webhook.inflight.waiting", this, InflightBytes::paused)
                .description("Webhook bodies whose reading is paused until the in-flight budget has room")
                .register(registry);
    }

    /** A body starts: it holds nothing yet. */
    synchronized Claim open() {
        Claim claim = new Claim();
        open.add(claim);
        return claim;
    }

    synchronized long used() {
        return used;
    }

    private synchronized int paused() {
        return waiting.size();
    }

    private boolean fits(Claim claim, long bytes) {
        return used + bytes <= max || used == 0 || claim == oldest();
    }

    private void hold(Claim claim, long bytes) {
        used += bytes;
        claim.held += bytes;
    }

    private Claim oldest() {
        return open.isEmpty() ? null : open.iterator().next();
    }

    /** Paused bodies that fit now, in order; and the oldest body whatever its place. Holds the monitor. */
    private List<Runnable> grant() {
        List<Runnable> ready = List.of();
        Claim first = oldest();
        while (!waiting.isEmpty() && fits(waiting.peekFirst(), waiting.peekFirst().wanted)) {
            ready = resume(waiting.pollFirst(), ready);
        }
        if (first != null && first.granted != null) {
            waiting.remove(first);
            ready = resume(first, ready);
        }
        return ready;
    }

    private List<Runnable> resume(Claim claim, List<Runnable> ready) {
        hold(claim, claim.wanted);
        List<Runnable> more = ready.isEmpty() ? new ArrayList<>() : ready;
        more.add(claim.granted);
        claim.granted = null;
        claim.wanted = 0;
        return more;
    }
}
