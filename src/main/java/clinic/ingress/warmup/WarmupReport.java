package clinic.ingress.warmup;

/**
 * Outcome of a warm-up run.
 *
 * @param clinics directory entries loaded into both tiers
 * @param durationMs how long it took
 */
public record WarmupReport(int clinics, long durationMs) {
}
