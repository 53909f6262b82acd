package clinic.ingress.delivery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.background.Background;
import clinic.ingress.background.Failures;
import clinic.ingress.conversation.MessageStore;
import clinic.ingress.conversation.StoreConfig;
import clinic.ingress.memory.ErasingPatients;
import clinic.ingress.memory.MemorySubject;
import clinic.ingress.quarantine.QuarantineStore;
import clinic.ingress.spool.DrainLease;
import clinic.ingress.spool.Spool;
import clinic.ingress.spool.SpooledMessage;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;

/**
 * Brings spooled messages back once PostgreSQL takes them again: one replica at a time (the spool's
 * drain lease), oldest first, through {@link MessagePath#fromSpool}: the same group commit,
 * deduplicated on the message id (a copy already stored is a duplicate and gets no second turn),
 * and only then memory and turn, so the assistant never sees a turn PostgreSQL does not hold.
 *
 * <p>
 * A round takes {@code ingress.store.spool-drain-batch} entries and stores them in waves that hold
 * at most one message of each chat, each wave after the last has committed: a chat's messages are
 * stored, and turned, in the order they were spooled. Entries leave the spool only after their wave
 * committed; a replica killed mid-round leaves them for the next drainer, whose copies are duplicates.
 *
 * <p>
 * The messages of a patient being erased stay in the spool until the erasure is done: those spooled
 * before it began go with it, those held for it are stored after it.
 */
// Created at start, not on first use: every replica looks for a spool to drain.
@Startup
@ApplicationScoped
class SpoolDrain {

    private final Spool spool;
    private final DrainLease lease;
    private final ErasingPatients erasing;
    private final MessageStore store;
    private final MessagePath path;
    private final QuarantineStore quarantine;
    private final StoreConfig config;
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile boolean failing;

    @SuppressWarnings("java:S107") // constructor injection
    SpoolDrain(Spool spool, DrainLease lease, ErasingPatients erasing, MessageStore store, MessagePath path,
            QuarantineStore quarantine, StoreConfig config, Background background) {
        this.spool = spool;
        this.lease = lease;
        this.erasing = erasing;
        this.store = store;
        this.path = path;
        this.quarantine = quarantine;
        this.config = config;
        if (config.spool()) {
            background.every(config.spoolCheckInterval(), this::drain);
        }
    }

    /** Drains the spool if it holds messages, no drain runs here, and this replica gets the lease. */
    void drain() {
        if (!spool.holdsMessages() || !draining.compareAndSet(false, true)) {
            return;
        }
        rounds()
                .eventually(() -> draining.set(false))
                .subscribe().with(ignored -> {
                    if (failing) {
                        failing = false;
                        Log.infof("spool drained: PostgreSQL takes messages again");
                    }
                }, failure -> {
                    // Once per outage: the next tick tries again.
                    if (!failing) {
                        failing = true;
                        Log.warnf("cannot drain the spool yet (%s); %s wait", Failures.describe(failure), spool.describe());
                    }
                });
    }

    private Uni<Void> rounds() {
        return lease.hold()
                .chain(held -> !held ? Uni.createFrom().voidItem()
                        : round().chain(more -> more ? rounds() : lease.release()));
    }

    /**
     * One round; whether there may be more. While the store looks stalled the round is one message:
     * a probe that costs one statement, not a batch read and unsealed only to fail again. A round
     * that finds only messages of patients being erased ends the drain until the next tick.
     */
    private Uni<Boolean> round() {
        return spool.oldest(store.stalled() ? 1 : config.spoolDrainBatch())
                .map(entries -> entries.stream().filter(entry -> !erasing(entry)).toList())
                .chain(entries -> entries.isEmpty()
                        ? Uni.createFrom().item(false)
                        : waves(waves(entries), 0).replaceWith(true));
    }

    private boolean erasing(Spool.Entry entry) {
        SpooledMessage message = entry.message();
        return message != null && erasing.erasing(
                new MemorySubject(message.clinic().organizationId(), message.message().patient().key()));
    }

    private Uni<Void> waves(List<List<Spool.Entry>> waves, int next) {
        if (next == waves.size()) {
            return Uni.createFrom().voidItem();
        }
        List<Spool.Entry> wave = waves.get(next);
        List<Uni<Void>> stores = new ArrayList<>(wave.size());
        for (Spool.Entry entry : wave) {
            stores.add(store(entry));
        }
        return Uni.join().all(stores).andFailFast()
                .chain(() -> spool.remove(wave))
                .chain(() -> waves(waves, next + 1));
    }

    private Uni<Void> store(Spool.Entry entry) {
        SpooledMessage spooled = entry.message();
        if (spooled == null) {
            // Not written by this service, or edited in Redis: it cannot be trusted, nor stored.
            spool.count("corrupt", 1);
            Log.warnf("spool entry %s did not open (forged, edited, or sealed with a key no longer configured): removed",
                    entry.id());
            return Uni.createFrom().voidItem();
        }
        return path.fromSpool(spooled)
                .chain(outcome -> {
                    if (outcome.stored().isRejected()) {
                        spool.count("quarantined", 1);
                        return quarantine.keep(rejected(spooled, outcome.stored().sqlState()));
                    }
                    spool.count(outcome.stored().isDuplicate() ? "duplicate" : "stored", 1);
                    return Uni.createFrom().voidItem();
                });
    }

    /** PostgreSQL refused the row's data: quarantined as a live webhook's would be (202 then). */
    private static QuarantineStore.Entry rejected(SpooledMessage spooled, String sqlState) {
        byte[] raw = spooled.message().rawJson().getBytes(StandardCharsets.UTF_8);
        return new QuarantineStore.Entry("database-rejected:" + sqlState, spooled.message().instanceName(),
                spooled.message().event(), spooled.message().whatsappId(), "application/json", raw, raw.length, sha256(raw),
                null, null);
    }

    /** Entries in waves of at most one message per chat, each chat's in spool order. */
    static List<List<Spool.Entry>> waves(List<Spool.Entry> entries) {
        List<List<Spool.Entry>> waves = new ArrayList<>();
        Map<String, Integer> lastWave = new HashMap<>();
        for (Spool.Entry entry : entries) {
            String chat = entry.message() == null ? "corrupt:" + entry.id() : entry.message().chat().value();
            int wave = lastWave.merge(chat, 0, (previous, ignored) -> previous + 1);
            if (wave == waves.size()) {
                waves.add(new ArrayList<>());
            }
            waves.get(wave).add(entry);
        }
        return waves;
    }

    private static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }
}
