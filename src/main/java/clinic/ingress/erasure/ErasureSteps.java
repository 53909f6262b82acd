package clinic.ingress.erasure;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.background.Background;
import clinic.ingress.dispatch.PatientTurns;
import clinic.ingress.memory.ErasingPatients;
import clinic.ingress.memory.ErasureConfig;
import clinic.ingress.memory.Mem0Gateway;
import clinic.ingress.memory.MemoryWriter;
import clinic.ingress.memory.PatientMemory;
import clinic.ingress.spool.SpoolErasure;
import clinic.ingress.spool.SpooledMessage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * What one erasure does, in order; every step is idempotent, so an erasure taken over after its
 * replica died runs again from the first.
 *
 * <ol>
 * <li><b>Hold</b>: every replica is told to hold the patient's new messages in the spool, to stop
 * fetching, caching and adding their memories and publishing their turns; then the erasure waits
 * {@code settle}, so that a replica that missed the word reads it, and a batch already committing
 * has committed.</li>
 * <li><b>mem0 adds</b>: the write-behind drops the patient's batches and answers once their adds
 * already sent are answered.</li>
 * <li><b>PostgreSQL</b>: one statement deletes their messages and everything that hangs off them
 * ({@link ErasureRows#delete}).</li>
 * <li><b>mem0</b>: every memory of each pseudonym (its delete API, per flavour).</li>
 * <li><b>Caches</b>: both tiers, on every replica, and the fetch lease.</li>
 * <li><b>Stream</b>: their turns, read or not; <b>spool</b>: their spooled messages, except those held
 * for this erasure.</li>
 * <li>PostgreSQL again, until a pass finds nothing (a batch that committed while the first ran):
 * when one does, mem0, caches, stream and spool again too; at most {@code max-passes}.</li>
 * <li><b>Announce</b>: an {@code erase} event in each pseudonym's partition for the assistant.</li>
 * <li><b>Done</b>: the receipt, the patient's keys cleared; every replica lets their messages through.</li>
 * </ol>
 * After each step the receipt so far is written and the lease renewed.
 */
@ApplicationScoped
class ErasureSteps {

    private final ErasureRows rows;
    private final ErasingPatients erasing;
    private final MemoryWriter writer;
    private final Mem0Gateway mem0;
    private final PatientMemory memory;
    private final PatientTurns turns;
    private final SpoolErasure spool;
    private final ErasureConfig config;
    private final Background background;

    @SuppressWarnings("java:S107") // constructor injection of the places a patient is erased from
    ErasureSteps(ErasureRows rows, ErasingPatients erasing, MemoryWriter writer, Mem0Gateway mem0, PatientMemory memory,
            PatientTurns turns, SpoolErasure spool, ErasureConfig config, Background background) {
        this.rows = rows;
        this.erasing = erasing;
        this.writer = writer;
        this.mem0 = mem0;
        this.memory = memory;
        this.turns = turns;
        this.spool = spool;
        this.config = config;
        this.background = background;
    }

    /** Runs the erasure to its end; its receipt. */
    Uni<Receipt> run(Erasure erasure) {
        Receipt receipt = erasure.removed();
        Set<String> pseudonyms = Set.copyOf(erasure.patient().pseudonyms());
        return erasing.begin(erasure.id(), Set.copyOf(erasure.subjects()))
                .chain(() -> background.delay(config.settle()))
                .chain(() -> writer.forget(pseudonyms, config.addsWait()))
                .chain(() -> progress(erasure, receipt))
                .chain(() -> rows.instances(erasure.organizationId()))
                .chain(instances -> passes(erasure, receipt, instances, 1))
                .chain(() -> Multi.createFrom().iterable(erasure.patient().pseudonyms())
                        .onItem().transformToUniAndConcatenate(pseudonym -> turns.announce(erasure.id(),
                                erasure.organizationId(), pseudonym, ErasingPatients.subject(pseudonym)))
                        .collect().last())
                .chain(() -> rows.complete(erasure.id(), receipt))
                .chain(() -> erasing.end(erasure.id(), Set.copyOf(erasure.subjects())))
                .replaceWith(receipt);
    }

    /** PostgreSQL, then the rest when it found anything (or on the first pass); again until nothing is found. */
    private Uni<Void> passes(Erasure erasure, Receipt receipt, List<String> instances, int pass) {
        return rows.delete(erasure.organizationId(), erasure.patient(), instances)
                .chain(deleted -> {
                    long found = ErasureRows.DELETED.stream().mapToLong(deleted::count).sum();
                    ErasureRows.DELETED.forEach(place -> receipt.add(place, deleted.count(place)));
                    receipt.add("passes", 1);
                    if (pass > 1 && found == 0) {
                        return progress(erasure, receipt);
                    }
                    Uni<Void> elsewhere = progress(erasure, receipt)
                            .chain(() -> mem0(erasure, receipt))
                            .chain(() -> caches(erasure))
                            .chain(() -> stream(erasure, receipt))
                            .chain(() -> spool(erasure, receipt, instances))
                            .chain(() -> progress(erasure, receipt));
                    return pass >= config.maxPasses() ? elsewhere
                            : elsewhere.chain(() -> passes(erasure, receipt, instances, pass + 1));
                });
    }

    private Uni<Void> mem0(Erasure erasure, Receipt receipt) {
        if (!mem0.enabled()) {
            return Uni.createFrom().voidItem();
        }
        return each(erasure.patient().pseudonyms(), pseudonym -> mem0.deleteAll(pseudonym)
                .invoke(event -> receipt.add("mem0Users", 1).event(event))
                .replaceWithVoid());
    }

    private Uni<Void> caches(Erasure erasure) {
        return each(erasure.patient().pseudonyms(), pseudonym -> memory.erase(erasure.organizationId(), pseudonym));
    }

    private Uni<Void> stream(Erasure erasure, Receipt receipt) {
        return each(erasure.patient().pseudonyms(), pseudonym -> turns.erase(pseudonym)
                .invoke(n -> receipt.add("streamEntries", n))
                .replaceWithVoid());
    }

    private Uni<Void> spool(Erasure erasure, Receipt receipt, List<String> instances) {
        Set<SpooledMessage.Chat> chats = new HashSet<>();
        for (String instance : instances) {
            erasure.patient().keys().forEach(key -> chats.add(SpooledMessage.Chat.of(instance, key)));
        }
        return spool.erase(chats)
                .invoke(n -> receipt.add("spooled", n))
                .replaceWithVoid();
    }

    private Uni<Void> progress(Erasure erasure, Receipt receipt) {
        return rows.progress(erasure.id(), receipt, config.lease());
    }

    private static Uni<Void> each(List<String> items, Function<String, Uni<Void>> step) {
        return Multi.createFrom().iterable(items)
                .onItem().transformToUniAndConcatenate(item -> step.apply(item))
                .collect().last()
                .replaceWithVoid();
    }
}
