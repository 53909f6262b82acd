package clinic.ingress.warmup;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import clinic.ingress.clinic.DirectoryListener;

/**
 * Readiness is DOWN until the caches are warm and directory changes can be heard, so no webhook reaches a cold replica.
 * Reports progress as data instead of throwing.
 */
@Readiness
@ApplicationScoped
public class WarmupReadiness implements HealthCheck {

    private final Warmup warmup;
    private final DirectoryListener changes;

    public WarmupReadiness(Warmup warmup, DirectoryListener changes) {
        this.warmup = warmup;
        this.changes = changes;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("Cache warm-up")
                // A replica that cannot hear directory changes yet could serve a stale clinic.
                .status(warmup.done() && changes.listening())
                .withData("listening", changes.listening())
                .withData("clinics", warmup.loaded())
                .withData("elapsedMs", warmup.elapsedMs())
                .withData("failedAttempts", warmup.attempts());
        if (!warmup.done() && warmup.lastFailure() != null) {
            response.withData("lastFailure", warmup.lastFailure());
        }
        return response.build();
    }
}
