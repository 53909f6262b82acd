package clinic.ingress.postgres;

import java.time.Duration;

/**
 * The one lease formula of both outboxes (turns and mem0 adds): a relay that claims a row moves its
 * {@code available_at} ahead by {@code lease × 2^(n-1)} for the row's n-th claim, at most
 * {@code maxLease}. Another replica's relay skips the row meanwhile, a replica that dies mid-round
 * only delays its rows by one lease, and a row that keeps failing is retried ever less often without
 * ever holding back the rows behind it.
 */
public final class OutboxLeases {

    private OutboxLeases() {
    }

    /**
     * The SQL expression for a claimed row's new {@code available_at}: the row is aliased {@code o}
     * and has {@code attempts} (its claims so far); {@code lease} and {@code maxLease} name the
     * statement's parameters holding {@link #seconds} of each.
     */
    public static String nextAvailable(String lease, String maxLease) {
        return "now() + make_interval(secs => least(" + maxLease + ", " + lease + " * power(2, least(o.attempts, 30))))";
    }

    /** A duration as the seconds the formula's parameters take. */
    public static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
