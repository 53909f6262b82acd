package clinic.ingress.admin;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import clinic.ingress.delivery.QuarantineReplay;
import clinic.ingress.quarantine.QuarantineStore;
import io.smallrye.mutiny.Uni;

/**
 * The quarantine as an operator sees it: what is in it, and replaying the messages that arrived
 * before their instance was onboarded (automatic when the instance joins the directory; this is the
 * same replay, on demand).
 */
@ApplicationScoped
class QuarantineAdmin {

    private final QuarantineReplay replay;

    QuarantineAdmin(QuarantineReplay replay) {
        this.replay = replay;
    }

    /** {@code GET /admin/quarantine[?instance=]}: counts by reason, replayed and refused. */
    Uni<AdminAnswer> counts(AdminCall call) {
        String instance = call.query("instance");
        return replay.counts(instance)
                .map(counts -> {
                    ObjectNode json = JsonNodeFactory.instance.objectNode().put("instance", instance);
                    ArrayNode reasons = json.putArray("reasons");
                    for (QuarantineStore.Count count : counts) {
                        reasons.addObject().put("reason", count.reason()).put("quarantined", count.quarantined())
                                .put("replayed", count.replayed()).put("refused", count.refused());
                    }
                    return AdminAnswer.ok(json, instance, null);
                });
    }

    /** {@code POST /admin/quarantine/replay {"instance"}}: {@code {replayed, stored, duplicates, failed, refused}}. */
    Uni<AdminAnswer> replay(AdminCall call) {
        String instance = call.text("instance");
        if (instance == null || instance.isBlank()) {
            return Uni.createFrom().failure(AdminProblem.badRequest("{\"instance\": \"...\"} is required"));
        }
        return replay.replay(instance)
                .onFailure(QuarantineReplay.Busy.class).transform(busy -> new AdminProblem(409, "conflict",
                        "another replica is replaying this instance right now", instance))
                .map(result -> {
                    if (result == null) {
                        throw new AdminProblem(404, "not-found",
                                "the instance is not in the clinic directory: nothing to replay into", instance);
                    }
                    return AdminAnswer.ok(JsonNodeFactory.instance.objectNode().put("replayed", result.replayed())
                            .put("stored", result.stored()).put("duplicates", result.duplicates())
                            .put("failed", result.failed()).put("refused", result.refused()), instance,
                            result.stored() + " stored, " + result.refused() + " refused");
                });
    }
}
