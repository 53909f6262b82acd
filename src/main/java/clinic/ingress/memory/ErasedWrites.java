package clinic.ingress.memory;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import clinic.ingress.background.Background;
import io.smallrye.mutiny.Uni;

/**
 * The write-behind's part in an erasure: which patients were erased and when, so that a batch of
 * theirs opened before is not added wherever it waits (queued, between retries), and which adds of
 * theirs mem0 has not answered yet, so that the erasure deletes their memories after the last one.
 */
final class ErasedWrites {

    private final Background background;
    private final Function<MemorySubject, String> pseudonyms;
    /** Patients erased, by pseudonym, and when (nanoTime). */
    private final Cache<String, Long> erased;
    private final Duration poll;
    /** Adds sent and not answered, per pseudonym. */
    private final ConcurrentHashMap<String, Integer> sending = new ConcurrentHashMap<>();

    ErasedWrites(Background background, Function<MemorySubject, String> pseudonyms, ErasureConfig config) {
        this.background = background;
        this.erased = Caffeine.newBuilder().expireAfterWrite(config.writeGuard()).build();
        this.poll = config.addsPoll();
        this.pseudonyms = pseudonyms;
    }

    void erase(Set<String> patients) {
        long now = System.nanoTime();
        patients.forEach(patient -> erased.put(patient, now));
    }

    /** Whether the patient was erased (recently): then their batches are looked at. */
    boolean erased(MemorySubject patient) {
        return erased.estimatedSize() > 0 && erased.getIfPresent(pseudonyms.apply(patient)) != null;
    }

    /** Whether an erasure of the batch's patient came after it opened: then it is not added. */
    boolean since(WriteBatch batch) {
        if (erased.estimatedSize() == 0) {
            return false;
        }
        Long at = erased.getIfPresent(pseudonyms.apply(batch.subject));
        return at != null && at - batch.openedAt >= 0;
    }

    /** The add, counted as unanswered for its patient (by pseudonym) until it succeeds or fails. */
    <T> Uni<T> sending(String patient, Uni<T> add) {
        return Uni.createFrom().deferred(() -> {
            sending.merge(patient, 1, Integer::sum);
            return add.onTermination().invoke(() -> sending.computeIfPresent(patient, (p, n) -> n > 1 ? n - 1 : null));
        });
    }

    /** Completes once no add of these patients is unanswered, or after {@code wait}. */
    Uni<Void> answered(Set<String> patients, Duration wait) {
        return answered(patients, System.nanoTime() + wait.toNanos());
    }

    private Uni<Void> answered(Set<String> patients, long deadline) {
        if (patients.stream().noneMatch(sending::containsKey) || System.nanoTime() - deadline > 0) {
            return Uni.createFrom().voidItem();
        }
        return background.delay(poll)
                .chain(() -> answered(patients, deadline));
    }
}
