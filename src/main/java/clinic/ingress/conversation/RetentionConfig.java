package clinic.ingress.conversation;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How long stored messages are kept ({@code ingress.messages.*}, docs/operations.md#message-retention). */
@ConfigMapping(prefix = "ingress.messages")
interface RetentionConfig {

    /**
     * Messages older than this (by when they were stored) are deleted, with their log rows and
     * outbox rows, and conversations idle for as long with their sessions. Off by default: in Brazil
     * a clinic must keep the medical record for at least 20 years (CFM Resolution 1.821/2007), and
     * whether its WhatsApp conversations belong to that record is the clinic's decision as data
     * controller, not ours; LGPD (art. 15-16) then asks it to delete what it no longer needs. A clinic
     * that keeps the record elsewhere sets this (365d, say). At least one day.
     */
    Optional<Duration> retention();

    /** Messages deleted per statement: each batch is its own short transaction, locking only its rows. */
    @WithDefault("1000")
    int retentionBatch();

    /** How often old messages are looked for. */
    @WithDefault("10m")
    Duration retentionInterval();

    /** The pause between two batches, so that a backlog is deleted beside the webhooks, not ahead of them. */
    @WithDefault("100ms")
    Duration retentionPause();

    /**
     * The shortest {@code retention} accepted: shorter would delete the messages of conversations
     * still going on. A start with less is refused.
     */
    @WithDefault("1d")
    Duration minimumRetention();
}
