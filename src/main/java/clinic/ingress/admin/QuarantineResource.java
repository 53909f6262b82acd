package clinic.ingress.admin;

import java.util.List;

import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.ClientErrorException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestQuery;

import clinic.ingress.webhook.QuarantineReplay;
import clinic.ingress.webhook.QuarantineStore;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * The quarantine as an operator sees it: what is in it, and replaying the messages that arrived
 * before their instance was onboarded (automatic when the instance joins the directory; this is
 * the same replay, on demand). Behind {@link AdminGuard}.
 */
@Path("/admin/quarantine")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin", description = "Cache operations (Bearer ingress.admin.token)")
public class QuarantineResource {

    private final QuarantineReplay replay;

    public QuarantineResource(QuarantineReplay replay) {
        this.replay = replay;
    }

    @GET
    @Operation(summary = "Quarantined events by reason, and how many a replay took through the store path")
    public Uni<Counts> counts(@RestQuery String instance) {
        return replay.counts(instance)
                .map(reasons -> new Counts(instance, reasons));
    }

    @POST
    @Path("/replay")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replay the messages quarantined as unknown-instance through the store, memory and turn path")
    @APIResponse(responseCode = "200", description = "{replayed, stored, duplicates, failed}")
    @APIResponse(responseCode = "404", description = "the instance is not in the clinic directory (problem+json)")
    @APIResponse(responseCode = "409", description = "another replica is replaying the instance (problem+json)")
    public Uni<QuarantineReplay.Result> replay(ReplayRequest request) {
        if (request == null || request.instance() == null || request.instance().isBlank()) {
            return Uni.createFrom().failure(new BadRequestException("{\"instance\": \"...\"} is required"));
        }
        return replay.replay(request.instance())
                .onItem().ifNull().failWith(() -> new NotFoundException(
                        "the instance is not in the clinic directory: nothing to replay into"))
                .onFailure(QuarantineReplay.Busy.class).transform(busy -> new ClientErrorException(
                        "another replica is replaying this instance right now", Response.Status.CONFLICT));
    }

    public record ReplayRequest(String instance) {
    }

    /** Counts for one instance, or all ({@code instance} null). */
    // Serialized by Jackson in the native image too.
    @RegisterForReflection
    public record Counts(String instance, List<QuarantineStore.Count> reasons) {
    }
}
