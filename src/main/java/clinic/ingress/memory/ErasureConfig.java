package clinic.ingress.memory;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * A patient's erasure ({@code ingress.erasure.*}, docs/operations.md#erasing-a-patient). Here, beside
 * the pseudonyms, because every part that holds a patient's data asks {@link ErasingPatients}
 * whether the patient is being erased; the erasure itself is the {@code erasure} package.
 */
@ConfigMapping(prefix = "ingress.erasure")
public interface ErasureConfig {

    /**
     * How often every replica reads which patients are being erased (a message of such a patient
     * waits in the spool until the erasure is done), and looks for an erasure whose replica died, to
     * finish it. An erasure begun or ended is also announced on the invalidation channel at once;
     * this is for a replica that missed the announcement.
     */
    @WithDefault("2s")
    Duration pollInterval();

    /**
     * How long an erasure waits, once every replica has been told, before it deletes anything: longer
     * than {@code poll-interval}, so that a replica that missed the announcement holds the patient's
     * new messages too, plus a group commit's batch. A message stored in that window anyway is found
     * by the next pass ({@code max-passes}).
     */
    @WithDefault("3s")
    Duration settle();

    /**
     * A running erasure's claim, renewed at each step: when the replica running it dies, another takes
     * it over after this long and runs it again from the start (every step is idempotent).
     */
    @WithDefault("30s")
    Duration lease();

    /**
     * Passes over PostgreSQL: an erasure deletes again until a pass finds nothing (a message whose
     * batch committed while the first pass ran), at most this many times.
     */
    @WithDefault("5")
    int maxPasses();

    /**
     * How long an erasure waits for the patient's mem0 adds already sent (their answer, success or
     * not) before deleting the patient's memories, so that none lands after the delete. Longer than
     * mem0's add timeout (15 s).
     */
    @WithDefault("20s")
    Duration addsWait();

    /**
     * How long each replica's cache tiers refuse to store what a search begun before a patient's
     * erasure brings back: longer than any mem0 search (its timeout is 8 s).
     */
    @WithDefault("5m")
    Duration cacheGuard();

    /**
     * How long the write-behind drops a just-erased patient's batches opened before the erasure:
     * long past any retry of such a batch ({@code ingress.memory.write-max-attempts} backoffs).
     */
    @WithDefault("1h")
    Duration writeGuard();

    /** How often an erasure looks whether the patient's mem0 adds in flight were answered. */
    @WithDefault("100ms")
    Duration addsPoll();
}
