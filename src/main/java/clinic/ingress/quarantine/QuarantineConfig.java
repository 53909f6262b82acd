package clinic.ingress.quarantine;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Bounds of {@code core.webhook_quarantine} ({@code ingress.quarantine.*}).
 */
@ConfigMapping(prefix = "ingress.quarantine")
public interface QuarantineConfig {

    /** Bodies larger than this are stored truncated, with their full length and SHA-256. */
    @WithDefault("256K")
    MemorySize maxStoredBytes();

    /** Rows older than this are deleted. */
    @WithDefault("30d")
    Duration retention();

    /** How often old rows are looked for. */
    @WithDefault("1h")
    Duration purgeInterval();

    /** Rows deleted per statement, so a purge never holds many row locks or a long transaction. */
    @WithDefault("1000")
    int purgeBatch();

    /**
     * How often a replica looks for messages quarantined as unknown-instance whose instance is in the
     * directory now: the safety net under the directory's NOTIFY, which replays at once.
     */
    @WithDefault("5m")
    Duration replayInterval();

    /** Quarantined messages read per round of a replay. */
    @WithDefault("100")
    int replayBatch();

    /** How long a replica holds an instance's replay, renewed per round; a replica that dies frees it after this. */
    @WithDefault("2m")
    Duration replayLease();

    /**
     * A message of an instance not in the directory logs a WARN for the first of that instance in
     * this interval and DEBUG for the rest: a flood from one unknown instance (a clinic not onboarded
     * yet) is one line, not one per message. Every message is counted whatever the level.
     */
    @WithDefault("10m")
    Duration unknownNoticeInterval();
}
