package clinic.ingress.clinic;

/**
 * Fired after a change to an instance (or its clinic) was applied: the directory's tiers now hold
 * what PostgreSQL holds, so {@link ClinicDirectory#resolve} answers with the change. Observers
 * must not block. Quarantine replay listens: an instance that appears replays what waited for it.
 *
 * @param instanceName the instance
 */
public record InstanceRefreshed(String instanceName) {
}
