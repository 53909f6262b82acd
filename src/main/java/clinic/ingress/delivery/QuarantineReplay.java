package clinic.ingress.delivery;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.background.Background;
import clinic.ingress.background.Failures;
import clinic.ingress.background.LogText;
import clinic.ingress.clinic.Clinic;
import clinic.ingress.clinic.ClinicDirectory;
import clinic.ingress.clinic.InstanceRefreshed;
import clinic.ingress.credentials.Credentials;
import clinic.ingress.evolution.EvolutionEvent;
import clinic.ingress.evolution.EvolutionParser;
import clinic.ingress.quarantine.QuarantineConfig;
import clinic.ingress.quarantine.QuarantineStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Delivers the messages that arrived before their instance was onboarded: quarantined as
 * {@code unknown-instance} (202, body kept), they go through the same {@link MessagePath} as a
 * live webhook (store exactly once, memory, turn) as soon as the instance is in the directory.
 *
 * <ul>
 * <li>Automatically: the directory's NOTIFY reaches every replica ({@link InstanceRefreshed}); the
 * replica that takes the instance's replay lease replays, the others see it taken. A sweep every
 * {@code ingress.quarantine.replay-interval} catches what a missed notification left.</li>
 * <li>On demand: {@code POST /admin/quarantine/replay {"instance": ...}}.</li>
 * <li>In arrival order (one replica, rows by id, one at a time), so each chat's messages keep their
 * order. Idempotent: a replayed row is marked (not deleted; retention deletes it), and the store
 * answers a message already there as a duplicate.</li>
 * <li>A row that cannot become a message (truncated when kept, not a message) is marked
 * {@code failed:<why>}; one the store could not take (PostgreSQL down) is left for the next replay.</li>
 * <li>Provenance: a row is stored only if the credential that sent it could write as the instance
 * now ({@link Credentials#stillMayWriteAs}): the global token cannot plant messages for an instance
 * that joins with a secret of its own. The others are marked {@code refused:<credential>}, counted
 * ({@code ingress.quarantine.replayed{outcome="refused"}}) and listed.</li>
 * </ul>
 */
@ApplicationScoped
public class QuarantineReplay {

    /** What one replay did. */
    // Serialized by Jackson in the native image too.
    @RegisterForReflection
    public record Result(int replayed, int stored, int duplicates, int failed, int refused) {

        static final Result NONE = new Result(0, 0, 0, 0, 0);

        Result plus(Outcome outcome) {
            return new Result(replayed + (outcome == Outcome.RETRY ? 0 : 1), stored + (outcome == Outcome.STORED ? 1 : 0),
                    duplicates + (outcome == Outcome.DUPLICATE ? 1 : 0),
                    failed + (outcome == Outcome.FAILED || outcome == Outcome.RETRY ? 1 : 0),
                    refused + (outcome == Outcome.REFUSED ? 1 : 0));
        }
    }

    /** What became of one row: all but RETRY are marked replayed; RETRY is left for later. */
    enum Outcome {
        STORED,
        DUPLICATE,
        FAILED,
        /** Its sender may not write as the instance now: kept in quarantine, never stored. */
        REFUSED,
        RETRY
    }

    /** Another replica is replaying this instance right now. */
    public static final class Busy extends RuntimeException {
        Busy() {
            super("another replica is replaying this instance", null, false, false);
        }
    }

    private final QuarantineStore store;
    private final ClinicDirectory directory;
    private final MessagePath path;
    private final Credentials credentials;
    private final QuarantineConfig config;
    private final Background background;
    private final EvolutionParser parser;
    private final Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);

    @SuppressWarnings("java:S107") // constructor injection of the replay's collaborators
    QuarantineReplay(QuarantineStore store, ClinicDirectory directory, MessagePath path, Credentials credentials,
            QuarantineConfig config, DeliveryConfig webhook, Background background, MeterRegistry registry) {
        this.store = store;
        this.credentials = credentials;
        this.directory = directory;
        this.path = path;
        this.config = config;
        this.background = background;
        this.parser = new EvolutionParser(webhook.acceptGroups(), webhook.maxBodySize().asLongValue());
        for (Outcome outcome : Outcome.values()) {
            counters.put(outcome, Counter.builder("ingress.quarantine.replayed")
                    .description("Quarantined messages taken through the store path once their instance was known")
                    .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                    .register(registry));
        }
    }

    void start(@Observes StartupEvent event) {
        background.every(config.replayInterval(), this::sweep);
    }

    void onboarded(@Observes InstanceRefreshed refreshed) {
        // Every directory change lands here: most instances have nothing waiting (one indexed probe).
        String instance = refreshed.instanceName();
        store.anyWaiting(instance).subscribe().with(
                waiting -> {
                    if (waiting) {
                        replayInBackground(instance, false);
                    }
                },
                failure -> Log.debugf("quarantine probe for instance %s failed (%s)", LogText.of(instance),
                        Failures.describe(failure)));
    }

    /**
     * Replays {@code instance}'s waiting messages; fails with {@link Busy} when another replica is at
     * it, and with null when the instance is not (or no longer) in the directory. The instance is
     * read from PostgreSQL first: this replica may still remember it as unknown (the negative
     * cache), when it was onboarded without a notification.
     */
    public Uni<Result> replay(String instance) {
        return replay(instance, true);
    }

    private Uni<Result> replay(String instance, boolean reread) {
        return (reread ? directory.refresh(instance) : Uni.createFrom().voidItem())
                .chain(() -> directory.resolve(instance))
                .chain(clinic -> clinic == null
                        ? Uni.createFrom().nullItem()
                        : store.takeReplay(instance, config.replayLease())
                                .chain(taken -> taken
                                        ? replayAll(instance, clinic).eventually(() -> store.endReplay(instance))
                                        : Uni.createFrom().failure(new Busy())));
    }

    private void replayInBackground(String instance, boolean reread) {
        replay(instance, reread).subscribe().with(
                result -> {
                    if (result != null && result.replayed() + result.failed() > 0) {
                        Log.infof(
                                "quarantine replay of instance %s: %d replayed (%d stored, %d duplicates, %d refused), %d failed",
                                LogText.of(instance), result.replayed(), result.stored(), result.duplicates(), result.refused(),
                                result.failed());
                    }
                },
                failure -> {
                    if (!(failure instanceof Busy)) {
                        Log.warnf("quarantine replay of instance %s failed (%s): the next sweep retries",
                                LogText.of(instance), Failures.describe(failure));
                    }
                });
    }

    /** What a missed notification left: instances with waiting messages that are in the directory now. */
    private void sweep() {
        store.waitingInstances().subscribe().with(
                instances -> instances.forEach(instance -> replayInBackground(instance, true)),
                failure -> Log.debugf("quarantine sweep skipped (%s)", Failures.describe(failure)));
    }

    /** Batch after batch, each row after the previous one, renewing the lease per batch. */
    private Uni<Result> replayAll(String instance, Clinic clinic) {
        return batch(instance, clinic, 0, Result.NONE);
    }

    private Uni<Result> batch(String instance, Clinic clinic, long afterId, Result sofar) {
        return store.waiting(instance, afterId, config.replayBatch())
                .chain(rows -> rows.isEmpty()
                        ? Uni.createFrom().item(sofar)
                        : Multi.createFrom().iterable(rows)
                                .onItem().transformToUniAndConcatenate(row -> one(clinic, row))
                                .collect().asList()
                                .chain(outcomes -> {
                                    Result result = sofar;
                                    for (Outcome outcome : outcomes) {
                                        result = result.plus(outcome);
                                    }
                                    Result done = result;
                                    long last = rows.get(rows.size() - 1).id();
                                    return rows.size() < config.replayBatch()
                                            ? Uni.createFrom().item(done)
                                            : store.renewReplay(instance, config.replayLease())
                                                    .chain(() -> batch(instance, clinic, last, done));
                                }));
    }

    private Uni<Outcome> one(Clinic clinic, QuarantineStore.Waiting row) {
        if (!credentials.stillMayWriteAs(row.senderCredential(), row.senderInstance(), clinic.instanceName())) {
            // Planted for an instance not onboarded yet by a credential that may not write as it now
            // (the instance has a secret of its own, or the credential is gone): kept, never stored.
            return mark(row, Outcome.REFUSED,
                    "refused:" + (row.senderCredential() == null ? "unrecorded" : row.senderCredential()));
        }
        EvolutionEvent event = parser.parse(null, row.raw());
        if (!(event instanceof EvolutionEvent.Message message) || !clinic.instanceName().equals(event.instance())) {
            String why = event instanceof EvolutionEvent.Invalid invalid ? invalid.reason() : "not-a-message";
            return mark(row, Outcome.FAILED, "failed:" + why);
        }
        return path.replay(clinic, message.message())
                .chain(outcome -> outcome.stored().isRejected()
                        ? mark(row, Outcome.FAILED, "failed:database-rejected:" + outcome.stored().sqlState())
                        : mark(row, outcome.stored().isDuplicate() ? Outcome.DUPLICATE : Outcome.STORED,
                                outcome.stored().isDuplicate() ? "duplicate" : "stored"))
                .onFailure().recoverWithItem(failure -> {
                    Log.debugf("quarantine row %d not replayed yet (%s)", row.id(), Failures.describe(failure));
                    counters.get(Outcome.RETRY).increment();
                    return Outcome.RETRY;
                });
    }

    private Uni<Outcome> mark(QuarantineStore.Waiting row, Outcome outcome, String recorded) {
        return store.replayed(row.id(), recorded)
                .invoke(() -> counters.get(outcome).increment())
                .replaceWith(outcome);
    }

    /** For {@code GET /admin/quarantine}. */
    public Uni<List<QuarantineStore.Count>> counts(String instance) {
        return store.counts(instance);
    }
}
