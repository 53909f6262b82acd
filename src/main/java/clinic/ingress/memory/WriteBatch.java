package clinic.ingress.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The messages of one patient waiting to be added to mem0 together, by id (their texts are read
 * when the add is sent: {@link StoredTexts}). Guarded by its own monitor:
 * the webhook's {@link MemoryWriter#enqueue} adds to it while a sender may be taking it.
 */
final class WriteBatch {

    final MemorySubject subject;
    final List<UUID> messageIds = new ArrayList<>();
    /** 1 for the first add call, one more per retry. */
    int attempt = 1;
    /** Taken by a sender: no more messages may join. */
    boolean sealed;
    /** When it was opened (nanoTime): an erasure of the patient after that drops it ({@link MemoryWriter#forget}). */
    final long openedAt = System.nanoTime();

    WriteBatch(MemorySubject subject) {
        this.subject = subject;
    }
}
