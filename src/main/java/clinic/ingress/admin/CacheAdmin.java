package clinic.ingress.admin;

import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import clinic.ingress.cache.CacheMetrics;
import clinic.ingress.cache.KeyspaceCleaner;
import clinic.ingress.clinic.ClinicChanges;
import clinic.ingress.clinic.ClinicDirectory;
import clinic.ingress.memory.MemorySubject;
import clinic.ingress.memory.PatientMemory;
import clinic.ingress.warmup.Warmup;
import io.smallrye.mutiny.Uni;

/** The caches as an operator handles them: warm-up, what an instance resolves to, invalidation, counts. */
@ApplicationScoped
class CacheAdmin {

    private final Warmup warmup;
    private final ClinicDirectory directory;
    private final ClinicChanges changes;
    private final KeyspaceCleaner cleaner;
    private final CacheMetrics metrics;
    private final PatientMemory memory;

    @SuppressWarnings("java:S107") // constructor injection of the operations it exposes
    CacheAdmin(Warmup warmup, ClinicDirectory directory, ClinicChanges changes, KeyspaceCleaner cleaner, CacheMetrics metrics,
            PatientMemory memory) {
        this.warmup = warmup;
        this.directory = directory;
        this.changes = changes;
        this.cleaner = cleaner;
        this.metrics = metrics;
        this.memory = memory;
    }

    /** {@code POST /admin/warmup/all}: the warm-up again; {@code {clinics, durationMs}}. */
    Uni<AdminAnswer> warmup(AdminCall call) {
        return warmup.run()
                .map(report -> AdminAnswer.ok(JsonNodeFactory.instance.objectNode().put("clinics", report.clinics())
                        .put("durationMs", report.durationMs()), "all", report.clinics() + " clinics"));
    }

    /** {@code GET /admin/clinics/{instance}}: what this replica's directory resolves the instance to. */
    Uni<AdminAnswer> clinic(AdminCall call) {
        String instance = call.path("instance");
        return directory.resolve(instance)
                .map(clinic -> {
                    if (clinic == null) {
                        throw new AdminProblem(404, "not-found", "the instance is not in the clinic directory", instance);
                    }
                    return AdminAnswer.ok(JsonNodeFactory.instance.objectNode().put("instance", instance)
                            .put("clinicId", clinic.clinicId().toString())
                            .put("organizationId", clinic.organizationId().toString())
                            .put("name", clinic.name()), instance, null);
                });
    }

    /**
     * {@code POST /admin/cache/invalidate}: {@code {"instance"}} (re-read and evicted everywhere),
     * {@code {"organization", "patient"}} (a patient's memories) or {@code {"pattern"}} (SCAN + UNLINK
     * under the service's own prefixes). The audit names the patient by pseudonym.
     */
    Uni<AdminAnswer> invalidate(AdminCall call) {
        String instance = call.text("instance");
        String organization = call.text("organization");
        String patient = call.text("patient");
        String pattern = call.text("pattern");
        if (organization != null && patient != null) {
            MemorySubject subject = new MemorySubject(uuid(organization), patient);
            String target = organization + "/" + memory.pseudonym(subject);
            return memory.invalidate(subject).map(ignored -> removed(1, target));
        }
        if (instance != null) {
            return changes.invalidate(instance).map(ignored -> removed(1, instance));
        }
        if (pattern != null) {
            return cleaner.unlink(pattern)
                    .onFailure(KeyspaceCleaner.ScanRefused.class).transform(refused -> new AdminProblem(403, "scan-refused",
                            "the service's Redis user may not SCAN (scripts/redis-acl.sh --allow-scan); "
                                    + "invalidate by instance or by patient instead",
                            pattern))
                    .onFailure(IllegalArgumentException.class).transform(bad -> new AdminProblem(400, "bad-request",
                            bad.getMessage(), pattern))
                    .invoke(directory::flushLocal)
                    .map(count -> removed(count, pattern));
        }
        return Uni.createFrom().failure(AdminProblem.badRequest(
                "{\"instance\"}, {\"organization\", \"patient\"} or {\"pattern\"} is required"));
    }

    /** {@code GET /admin/cache/stats}: hit, miss, negative, stale, error and corrupt counts per cache and tier. */
    Uni<AdminAnswer> stats(AdminCall call) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, Map<String, Long>> cache : metrics.snapshot().entrySet()) {
            ObjectNode counts = json.putObject(cache.getKey());
            cache.getValue().forEach(counts::put);
        }
        return Uni.createFrom().item(AdminAnswer.ok(json, null, null));
    }

    private static AdminAnswer removed(long count, String target) {
        return AdminAnswer.ok(JsonNodeFactory.instance.objectNode().put("removed", count), target, "removed " + count);
    }

    private static UUID uuid(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw AdminProblem.badRequest("organization must be a UUID");
        }
    }
}
