package clinic.ingress.dispatch;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Turn hand-off settings ({@code ingress.dispatch.*}).
 */
@ConfigMapping(prefix = "ingress.dispatch")
public interface DispatchConfig {

    /** Redis Stream the clinic assistant consumes. */
    @WithDefault("ingress:turns")
    String stream();

    /**
     * Streams the turns are spread over ({@link TurnStreams}): 1 keeps the single stream above;
     * more spread the hand-off over the masters of a Redis Cluster.
     */
    @WithDefault("1")
    int partitions();

    /**
     * Replicas that must hold a published turn before it leaves the outbox ({@code WAIT}); 0 with a
     * standalone Redis. With 1 on a Redis Cluster, a turn published just before its master died is
     * published again by the relay instead of being lost with the master.
     */
    @WithDefault("0")
    int replicaAcks();

    /**
     * How long a publish waits for those replicas. A master without a replica cannot do better than
     * its own copy: past this the turn counts as published and {@code ingress.turns.unreplicated}
     * is incremented.
     */
    @WithDefault("100ms")
    Duration replicaAckTimeout();

    /**
     * After a {@code WAIT} found no replica to answer it (a master just failed over, say), a
     * stream's pipelines skip {@code WAIT} for this long: every WAIT would otherwise hold the
     * publisher's connection for the whole ack timeout, and the pipelines behind it.
     */
    @WithDefault("5s")
    Duration unreplicatedPause();

    /** Most turns in one pipelined batch of XADDs (the rest go in the next one at once). */
    @WithDefault("256")
    int pipeline();

    /**
     * How long a publisher waits for its XADD pipeline before counting a failure (the webhook never
     * waits for it). A reply that comes later still takes the turn out of the outbox, so this only
     * matters past {@code relay-grace}, when a relay may publish the turn a second time.
     */
    @WithDefault("2s")
    Duration publishTimeout();

    /**
     * A publisher connection whose pipeline has had no answer for this long is replaced (a Redis
     * paused or cut off without a reset). Much longer than {@code publish-timeout}: replacing a
     * connection that was only slow loses its late answers, and the relay then publishes those turns
     * a second time.
     */
    @WithDefault("15s")
    Duration publishStallTimeout();

    /**
     * The stream's intended cap. Entries the consumer group has read and acknowledged are trimmed
     * once the stream is longer than this; unconsumed entries never are (the stream grows past the
     * cap instead, and {@code ingress.turns.unconsumed} alerts before that).
     */
    @WithDefault("100000")
    long maxLength();

    /** The consumer group whose acknowledgements decide what may be trimmed. */
    @WithDefault("assistant")
    String consumerGroup();

    /** How often the stream is trimmed and its backlog measured. */
    @WithDefault("30s")
    Duration trimInterval();

    /** How often the relay looks for turns stored but not published. */
    @WithDefault("2s")
    Duration relayInterval();

    /**
     * A stored turn belongs to the replica that stored it for this long (it publishes within
     * milliseconds); only then may a relay claim it.
     */
    @WithDefault("5s")
    Duration relayGrace();

    /** Turns claimed per relay round, oldest first. */
    @WithDefault("200")
    int relayBatch();

    /** Turns of a round published at once. */
    @WithDefault("16")
    int relayConcurrency();

    /**
     * A claimed turn is left to its relay this long before another replica may claim it; the lease
     * doubles with each claim of the same turn, so a turn that keeps failing is retried less and
     * less often and never holds back the others.
     */
    @WithDefault("30s")
    Duration relayLease();

    /** The longest lease: a turn that keeps failing is still retried at least this often. */
    @WithDefault("10m")
    Duration relayMaxLease();

    /** Claims after which an unpublished turn counts as stuck ({@code ingress.turns.stuck}). */
    @WithDefault("3")
    int relayStuckAttempts();

    /** Longest pause between relay rounds while Redis keeps failing. */
    @WithDefault("30s")
    Duration relayMaxBackoff();

    /**
     * Base64 AES-256 key ({@code openssl rand -base64 32}) the assistant shares: with it, each turn's
     * patient data (text, memories) is sealed with AES-GCM and every other field bound to it
     * ({@link TurnSeal}): Redis then holds no PHI in the stream, and a writer without the key cannot
     * forge or re-route a turn. Prod refuses to start without it unless {@link #plaintextAllowed()}.
     */
    Optional<String> sealKey();

    /**
     * Lets prod start without {@link #sealKey()}: turns then carry text and memories readable by
     * whoever reads Redis, for {@link #retention()}. A WARN at every start and
     * {@code ingress.dispatch.plaintext} = 1.
     */
    @WithDefault("false")
    boolean plaintextAllowed();

    /**
     * How long acknowledged turns stay in the stream (for replays and audits by the assistant), as
     * long as the stream stays under {@link #maxLength()}; unacknowledged turns stay whatever their age.
     */
    @WithDefault("24h")
    Duration retention();

    /** Published turns are removed from the outbox in batches, at most this long after the XADD. */
    @WithDefault("200ms")
    Duration markInterval();

    /** One batched DELETE of published turns slower than this is given up (its rows are tried again). */
    @WithDefault("5s")
    Duration markTimeout();

    /** One trimming round of a stream (exact MINID over a large backlog takes a moment; a hung Redis must not). */
    @WithDefault("10s")
    Duration trimTimeout();
}
