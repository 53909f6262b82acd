package clinic.ingress.spool;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.background.Background;
import clinic.ingress.background.Failures;
import clinic.ingress.cache.CacheCodec;
import clinic.ingress.cache.CacheConfig;
import clinic.ingress.conversation.StoreConfig;
import clinic.ingress.dispatch.DispatchConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Where messages wait while PostgreSQL cannot take them: a Redis stream ({@code ingress.store.spool-stream},
 * persisted as the turn stream is: AOF, and {@code WAIT} for {@code ingress.dispatch.replica-acks}
 * replicas), bounded in messages and bytes. Each entry is one {@link SpooledMessage}, sealed with the
 * cache codec (AES-GCM with the cache encryption key in prod, HMAC otherwise) and bound to the
 * stream and its message's idempotency key, so an entry edited, forged or moved in Redis does not
 * open. The bound is checked and the entry added in one script, as is the removal with its bytes.
 *
 * <p>
 * Every replica reads the spool's depth and age every {@code spool-check-interval} (the readiness
 * details, the gauges, and whether new messages must queue behind spooled ones); one replica at a
 * time drains it, holding the {@link DrainLease}.
 */
// Created at start, not on first use: its meters exist (at 0) on the first scrape.
@Startup
@ApplicationScoped
public class Spool {

    /**
     * One spooled entry: its stream id, its size, its chat (as the spool names chats), and the message
     * (null when it does not open).
     */
    public record Entry(String id, long bytes, String chat, SpooledMessage message) {
    }

    /*
     * KEYS: the stream, its byte count, its chats (a hash: chat -> messages spooled). The bound is
     * checked, the entry added and counted in one script; the removal likewise, so the counts never
     * drift from the stream.
     */
    private static final String APPEND = """
            if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
            if tonumber(redis.call('GET', KEYS[2]) or '0') + tonumber(ARGV[3]) > tonumber(ARGV[2]) then return false end
            redis.call('INCRBY', KEYS[2], ARGV[3])
            redis.call('HINCRBY', KEYS[3], ARGV[6], 1)
            return redis.call('XADD', KEYS[1], '*', 'k', ARGV[4], 'n', ARGV[3], 'c', ARGV[6], 'm', ARGV[5])""";
    private static final String REMOVE = """
            local freed = 0
            for i = 1, #ARGV, 3 do
              if redis.call('XDEL', KEYS[1], ARGV[i]) == 1 then
                freed = freed + tonumber(ARGV[i + 1])
                if redis.call('HINCRBY', KEYS[3], ARGV[i + 2], -1) <= 0 then redis.call('HDEL', KEYS[3], ARGV[i + 2]) end
              end
            end
            if redis.call('XLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[2], KEYS[3]) else redis.call('DECRBY', KEYS[2], freed) end
            return freed""";

    private final Redis redis;
    private final SpoolEntries entries;
    private final StoreConfig config;
    private final DispatchConfig dispatch;
    private final String stream;
    private final String bytesKey;
    private final String chatsKey;
    private final AtomicLong depth = new AtomicLong();
    private final AtomicLong oldestMillis = new AtomicLong();
    private volatile boolean readable = true;
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
    private final MeterRegistry registry;
    private final Counter unreplicated;

    @SuppressWarnings("java:S107") // constructor injection
    public Spool(ReactiveRedisDataSource redis, CacheCodec codec, CacheConfig cache, StoreConfig config,
            DispatchConfig dispatch, Background background, MeterRegistry registry) {
        this.redis = redis.getRedis();
        this.config = config;
        this.dispatch = dispatch;
        this.registry = registry;
        this.stream = config.spoolStream();
        this.bytesKey = stream + ":bytes";
        this.chatsKey = stream + ":chats";
        this.entries = new SpoolEntries(codec, cache, stream);
        for (String outcome : List.of("spooled", "full", "stored", "duplicate", "quarantined", "corrupt")) {
            count(outcome, 0);
        }
        this.unreplicated = Counter.builder("ingress.store.spool.unreplicated")
                .description("Messages spooled while no Redis replica acknowledged them within replica-ack-timeout")
                .register(registry);
        Gauge.builder("ingress.store.spool.depth", depth, AtomicLong::get)
                .description("Messages in the spool, waiting for PostgreSQL")
                .register(registry);
        Gauge.builder("ingress.store.spool.oldest.seconds", this, Spool::oldestSeconds)
                .description("Age of the oldest message in the spool")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("ingress.store.spool.limit.messages", config, StoreConfig::spoolMaxMessages)
                .description("ingress.store.spool-max-messages")
                .register(registry);
        if (config.spool()) {
            background.every(config.spoolCheckInterval(), this::check);
        }
    }

    public boolean enabled() {
        return config.spool();
    }

    /** Whether messages wait in the spool, as last read (or added here since). */
    public boolean holdsMessages() {
        return depth.get() > 0;
    }

    /**
     * Whether messages of this chat wait in the spool: a new one must queue behind them, so the chat's
     * messages are stored in the order they arrived. Other chats' messages go to the store at once.
     */
    public Uni<Boolean> holdsChat(SpooledMessage.Chat chat) {
        return redis.send(Request.cmd(Command.HEXISTS).arg(chatsKey).arg(entries.chatName(chat)))
                .ifNoItem().after(dispatch.publishTimeout()).fail()
                .map(exists -> exists != null && exists.toLong() == 1);
    }

    /** Messages in the spool, as last read. */
    public long depth() {
        return depth.get();
    }

    /** Whether the spool was readable at the last check and has room: what readiness reports. */
    public boolean accepting() {
        return enabled() && readable && depth.get() < config.spoolMaxMessages();
    }

    public boolean readable() {
        return readable;
    }

    public double oldestSeconds() {
        long oldest = oldestMillis.get();
        return depth.get() == 0 || oldest == 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest) / 1000.0;
    }

    /**
     * Adds a message: true once Redis holds it (and the replicas asked for, or the wait ran out:
     * counted), false when the spool is full; a failure when Redis cannot be reached.
     */
    public Uni<Boolean> append(SpooledMessage message) {
        String key = message.idempotencyKey();
        byte[] sealed = entries.seal(message);
        Request append = Request.cmd(Command.EVAL).arg(APPEND).arg(3).arg(stream).arg(bytesKey).arg(chatsKey)
                .arg(config.spoolMaxMessages()).arg(config.spoolMaxBytes().asLongValue()).arg(sealed.length)
                .arg(key).arg(sealed).arg(entries.chatName(message.chat()));
        return redis.send(append)
                .ifNoItem().after(dispatch.publishTimeout()).fail()
                .chain(id -> {
                    if (id == null) {
                        count("full", 1);
                        return Uni.createFrom().item(false);
                    }
                    depth.incrementAndGet();
                    oldestMillis.compareAndSet(0, System.currentTimeMillis());
                    count("spooled", 1);
                    return replicated().replaceWith(true);
                });
    }

    /**
     * The oldest {@code count} entries, in the order they were spooled; entries that do not open come back without a message.
     */
    public Uni<List<Entry>> oldest(int count) {
        return redis.send(Request.cmd(Command.XRANGE).arg(stream).arg("-").arg("+").arg("COUNT").arg(count))
                .map(entries::read);
    }

    /** Removes drained entries, and their bytes from the spool's count. */
    public Uni<Void> remove(List<Entry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Request remove = Request.cmd(Command.EVAL).arg(REMOVE).arg(3).arg(stream).arg(bytesKey).arg(chatsKey);
        for (Entry entry : entries) {
            remove.arg(entry.id()).arg(entry.bytes()).arg(entry.chat() == null ? "" : entry.chat());
        }
        return redis.send(remove)
                .invoke(() -> depth.updateAndGet(d -> Math.max(0, d - entries.size())))
                .replaceWithVoid();
    }

    /** {@code ingress.store.spool.messages{outcome}}: spooled, full, and what the drain made of them. */
    public void count(String outcome, long n) {
        outcomes.computeIfAbsent(outcome, o -> Counter.builder("ingress.store.spool.messages")
                .description("Messages spooled, refused by a full spool, and drained (stored, duplicate, quarantined, corrupt)")
                .tag("outcome", o)
                .register(registry))
                .increment(n);
    }

    /** Reads the depth and the oldest entry's age (its id is its time); a failure leaves the last reading. */
    void check() {
        redis.batch(List.of(Request.cmd(Command.XLEN).arg(stream),
                Request.cmd(Command.XRANGE).arg(stream).arg("-").arg("+").arg("COUNT").arg(1)))
                .ifNoItem().after(dispatch.publishTimeout()).fail()
                .subscribe().with(responses -> {
                    readable = true;
                    depth.set(responses.get(0).toLong());
                    Response first = responses.get(1);
                    oldestMillis.set(first.size() == 0 ? 0 : idMillis(first.get(0).get(0).toString()));
                }, failure -> {
                    if (readable) {
                        Log.warnf("cannot read the spool's depth (%s)", Failures.describe(failure));
                    }
                    readable = false;
                });
    }

    private Uni<Void> replicated() {
        int acks = dispatch.replicaAcks();
        if (acks <= 0) {
            return Uni.createFrom().voidItem();
        }
        return redis.send(Request.cmd(Command.WAIT).arg(acks).arg(dispatch.replicaAckTimeout().toMillis()))
                .invoke(answer -> {
                    if (answer == null || answer.toLong() < acks) {
                        unreplicated.increment();
                    }
                })
                .onFailure().invoke(e -> unreplicated.increment())
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    private static long idMillis(String id) {
        int dash = id.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? id : id.substring(0, dash));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** For logs: never a message, only how many and how old. */
    public String describe() {
        return depth.get() + " messages, the oldest " + Duration.ofMillis((long) (oldestSeconds() * 1000)) + " old";
    }

}
