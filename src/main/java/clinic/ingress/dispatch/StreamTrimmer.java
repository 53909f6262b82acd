package clinic.ingress.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.background.Background;
import clinic.ingress.background.Failures;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;

/**
 * Keeps the turn stream bounded without ever dropping a turn the assistant has not acknowledged.
 *
 * <p>
 * Every {@code ingress.dispatch.trim-interval}, with the consumer group present: entries it has
 * acknowledged (older than its oldest pending entry or, with nothing pending, up to its last
 * delivered entry) are trimmed ({@code XTRIM MINID}, exact) once they are older than
 * {@code retention}, or all of them once the stream is longer than {@code max-length}; unconsumed
 * entries stay, however many and however old. Without the group (no consumer has started yet) the
 * stream is cut to {@code max-length} as before. {@code ingress.turns.unconsumed} (delivered but not
 * acknowledged, plus never delivered) is what the {@code TurnsUnconsumed} alert watches.
 */
@ApplicationScoped
public class StreamTrimmer {

    /** What was found and done in one round. */
    public record Round(long length, long unconsumed, long trimmed, boolean groupPresent) {
    }

    private final ReactiveRedisDataSource redis;
    private final DispatchConfig config;
    private final TurnStreams streams;
    private final Background background;
    private final AtomicLong unconsumed = new AtomicLong();
    private final AtomicLong length = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final Clock clock = Clock.systemUTC();

    public StreamTrimmer(ReactiveRedisDataSource redis, DispatchConfig config, TurnStreams streams, Background background,
            MeterRegistry registry) {
        this.redis = redis;
        this.config = config;
        this.streams = streams;
        this.background = background;
        registry.gauge("ingress.turns.unconsumed", unconsumed);
        registry.gauge("ingress.turns.stream.length", length);
        registry.gauge("ingress.turns.dead.letters", deadLetters);
    }

    void start(@Observes StartupEvent event) {
        background.every(config.trimInterval(), () -> Multi.createFrom().iterable(streams.all())
                // The cap is per stream: each partition is trimmed like the single stream would be.
                .onItem().transformToUniAndConcatenate(stream -> trim(stream, config.consumerGroup(), config.maxLength(),
                        config.retention()))
                .collect().asList()
                .subscribe().with(
                        rounds -> {
                            length.set(rounds.stream().mapToLong(Round::length).sum());
                            unconsumed.set(rounds.stream().mapToLong(Round::unconsumed).sum());
                        },
                        failure -> Log.debugf("turn stream not trimmed this round (%s)", Failures.describe(failure))));
        // What consumers set aside as unopenable (docs/consumer-contract.md#sealed-turns): counted, never trimmed.
        background.every(config.trimInterval(), () -> Multi.createFrom().iterable(streams.all())
                .onItem().transformToUniAndConcatenate(stream -> redis.execute("XLEN", stream + ":dead")
                        .map(answer -> answer == null ? 0L : answer.toLong()))
                .collect().with(java.util.stream.Collectors.summingLong(Long::longValue))
                .subscribe().with(deadLetters::set,
                        failure -> Log.debugf("dead-letter streams not counted this round (%s)", Failures.describe(failure))));
    }

    /**
     * One round on {@code stream}: measures it and trims what {@code group} has consumed, once
     * older than {@code retention} or past {@code cap}.
     */
    public Uni<Round> trim(String stream, String group, long cap, Duration retention) {
        return measureAndTrim(stream, group, cap, retention)
                .ifNoItem().after(config.trimTimeout()).fail();
    }

    private Uni<Round> measureAndTrim(String stream, String group, long cap, Duration retention) {
        return redis.execute("XLEN", stream)
                .map(Response::toLong)
                .chain(len -> len == 0
                        ? Uni.createFrom().item(new Round(0, 0, 0, false))
                        : redis.execute("XINFO", "GROUPS", stream)
                                .chain(groups -> trim(stream, cap, retention, len, find(groups, group))));
    }

    private Uni<Round> trim(String stream, long cap, Duration retention, long len, Response group) {
        if (group == null) {
            return len <= cap
                    ? Uni.createFrom().item(new Round(len, len, 0, false))
                    : redis.execute("XTRIM", stream, "MAXLEN", "=", Long.toString(cap))
                            .map(trimmed -> new Round(len - trimmed.toLong(), cap, trimmed.toLong(), false));
        }
        long pending = field(group, "pending").toLong();
        String lastDelivered = field(group, "last-delivered-id").toString();
        Response lag = field(group, "lag");
        return redis.stream(String.class).xpending(stream, field(group, "name").toString())
                .chain(summary -> {
                    // Entries after the last delivered one have not been read; pending ones not acknowledged.
                    long undelivered = lag != null ? lag.toLong() : 0;
                    long open = pending + undelivered;
                    // MINID keeps ids >= the bound: the oldest pending entry, or the next after the last delivered.
                    String consumed = pending > 0 ? summary.getLowestId() : next(lastDelivered);
                    // Under the cap, acknowledged turns stay for the retention; over it, they go.
                    String bound = len > cap ? consumed
                            : earlier(consumed, Math.max(0, clock.millis() - retention.toMillis()) + "-0");
                    if (bound.equals("0-0")) {
                        return Uni.createFrom().item(new Round(len, open, 0, true));
                    }
                    return redis.execute("XTRIM", stream, "MINID", "=", bound)
                            .map(trimmed -> new Round(len - trimmed.toLong(), open, trimmed.toLong(), true));
                });
    }

    private static Response find(Response groups, String name) {
        if (groups == null) {
            return null;
        }
        for (Response group : groups) {
            Response groupName = field(group, "name");
            if (groupName != null && name.equals(groupName.toString())) {
                return group;
            }
        }
        return null;
    }

    /** A field of an XINFO reply, as a RESP3 map or a RESP2 flat list of name/value pairs. */
    private static Response field(Response entry, String name) {
        if (entry.getKeys() != null && !entry.getKeys().isEmpty()) {
            return entry.get(name);
        }
        for (int i = 0; i + 1 < entry.size(); i += 2) {
            if (name.equals(entry.get(i).toString())) {
                return entry.get(i + 1);
            }
        }
        return null;
    }

    /** The smaller of two stream ids ("ms-seq"). */
    static String earlier(String a, String b) {
        int dashA = a.indexOf('-');
        int dashB = b.indexOf('-');
        int byTime = Long.compare(Long.parseLong(a.substring(0, dashA)), Long.parseLong(b.substring(0, dashB)));
        int order = byTime != 0 ? byTime
                : Long.compare(Long.parseLong(a.substring(dashA + 1)), Long.parseLong(b.substring(dashB + 1)));
        return order <= 0 ? a : b;
    }

    /** The smallest stream id greater than {@code id} ("ms-seq"). */
    static String next(String id) {
        int dash = id.indexOf('-');
        return id.substring(0, dash + 1) + (Long.parseLong(id.substring(dash + 1)) + 1);
    }
}
