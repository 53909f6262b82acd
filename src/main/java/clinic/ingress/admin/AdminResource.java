package clinic.ingress.admin;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestResponse;

import clinic.ingress.cache.CacheMetrics;
import clinic.ingress.cache.KeyspaceCleaner;
import clinic.ingress.clinic.ClinicChanges;
import clinic.ingress.clinic.ClinicDirectory;
import clinic.ingress.memory.MemorySubject;
import clinic.ingress.memory.PatientMemory;
import clinic.ingress.warmup.Warmup;
import clinic.ingress.warmup.WarmupReport;
import clinic.ingress.webhook.InstanceActivity;
import clinic.ingress.webhook.WebhookConfig;
import io.smallrye.mutiny.Uni;

/**
 * Operator endpoints, behind {@link AdminGuard}.
 */
@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin", description = "Cache operations (Bearer ingress.admin.token)")
public class AdminResource {

    private final Warmup warmup;
    private final ClinicDirectory directory;
    private final ClinicChanges changes;
    private final KeyspaceCleaner cleaner;
    private final CacheMetrics metrics;
    private final PatientMemory memory;
    private final InstanceActivity activity;
    private final WebhookConfig webhookConfig;

    @SuppressWarnings("java:S107") // constructor injection of the operations it exposes
    public AdminResource(Warmup warmup, ClinicDirectory directory, ClinicChanges changes, KeyspaceCleaner cleaner,
            CacheMetrics metrics, PatientMemory memory, InstanceActivity activity, WebhookConfig webhookConfig) {
        this.activity = activity;
        this.webhookConfig = webhookConfig;
        this.memory = memory;
        this.warmup = warmup;
        this.directory = directory;
        this.changes = changes;
        this.cleaner = cleaner;
        this.metrics = metrics;
    }

    @POST
    @Path("/warmup/all")
    @Operation(summary = "Re-run the cache warm-up; answers counts and duration")
    public Uni<WarmupReport> warmupAll() {
        return warmup.run();
    }

    @GET
    @Path("/clinics/{instance}")
    @Operation(summary = "What this replica's directory resolves an instance to")
    public Uni<RestResponse<ClinicView>> clinic(@RestPath String instance) {
        return directory.resolve(instance)
                .map(clinic -> clinic == null
                        ? RestResponse.<ClinicView> notFound()
                        : RestResponse.ok(new ClinicView(instance, clinic.clinicId(), clinic.organizationId(), clinic.name())));
    }

    @POST
    @Path("/cache/invalidate")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Invalidate by clinic instance, by patient, or by key pattern (SCAN + UNLINK, never KEYS)")
    public Uni<InvalidateResult> invalidate(InvalidateRequest request) {
        boolean byPatient = request != null && request.organization() != null && request.patient() != null;
        if (request == null || (request.instance() == null && request.pattern() == null && !byPatient)) {
            return Uni.createFrom().failure(new BadRequestException(
                    "instance, organization and patient, or pattern is required"));
        }
        if (byPatient) {
            return memory.invalidate(new MemorySubject(request.organization(), request.patient()))
                    .map(ignored -> new InvalidateResult(1));
        }
        if (request.instance() != null) {
            return changes.invalidate(request.instance())
                    .map(ignored -> new InvalidateResult(1));
        }
        return cleaner.unlink(request.pattern())
                .invoke(directory::flushLocal)
                .map(InvalidateResult::new);
    }

    @GET
    @Path("/instances/silent")
    @Operation(summary = "Active instances that sent messages before and none for longer than ingress.webhook.silence-alert-after "
            + "(or ?after=, an ISO-8601 duration such as PT30M)")
    public Uni<List<InstanceActivity.Silent>> silent(@RestQuery String after) {
        Duration threshold;
        try {
            threshold = after == null ? webhookConfig.silenceAlertAfter() : Duration.parse(after);
        } catch (DateTimeParseException e) {
            return Uni.createFrom().failure(new BadRequestException("after must be an ISO-8601 duration, e.g. PT30M"));
        }
        return activity.flush()
                .onFailure().recoverWithNull()
                .chain(() -> activity.silent(threshold));
    }

    @GET
    @Path("/cache/stats")
    @Operation(summary = "Hit, miss, negative, stale, error and corrupt counts per cache and tier")
    public Map<String, Map<String, Long>> stats() {
        return metrics.snapshot();
    }

    /** A directory entry as an operator sees it (no token hash). */
    public record ClinicView(String instance, UUID clinicId, UUID organizationId, String name) {
    }

    /**
     * What to invalidate: an instance name; a patient ({@code organization} and {@code patient}, the
     * phone digits or {@code lid:<digits>}); or a key pattern under our own prefixes.
     */
    public record InvalidateRequest(String instance, UUID organization, String patient, String pattern) {
    }

    public record InvalidateResult(long removed) {
    }

}
