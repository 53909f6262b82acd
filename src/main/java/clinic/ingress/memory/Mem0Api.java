package clinic.ingress.memory;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import com.fasterxml.jackson.databind.JsonNode;

import io.smallrye.mutiny.Uni;

/**
 * The raw mem0 REST API, one method per path of every flavour (research/evolution-mem0.md §2).
 * Package-private: {@link Mem0Gateway} wraps it with timeouts and fault tolerance. Bodies and
 * answers stay JSON trees because the shapes differ per flavour.
 */
@Path("")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
interface Mem0Api {

    @POST
    @Path("/v3/memories/search/")
    Uni<JsonNode> searchV3(@HeaderParam("Authorization") String authorization, JsonNode body);

    @POST
    @Path("/v2/memories/search/")
    Uni<JsonNode> searchV2(@HeaderParam("Authorization") String authorization, JsonNode body);

    @POST
    @Path("/v1/memories/search/")
    Uni<JsonNode> searchV1(@HeaderParam("Authorization") String authorization, JsonNode body);

    @POST
    @Path("/search")
    Uni<JsonNode> searchOss(@HeaderParam("X-API-Key") String apiKey, JsonNode body);

    @POST
    @Path("/v3/memories/add/")
    Uni<JsonNode> addV3(@HeaderParam("Authorization") String authorization, JsonNode body);

    /** v1 and v2 both add through the v1 path. */
    @POST
    @Path("/v1/memories/")
    Uni<JsonNode> addV1(@HeaderParam("Authorization") String authorization, JsonNode body);

    @POST
    @Path("/memories")
    Uni<JsonNode> addOss(@HeaderParam("X-API-Key") String apiKey, JsonNode body);

    /** Every memory of a user, hosted (all versions): queued by mem0, answers {@code {message, event_id}}. */
    @DELETE
    @Path("/v1/memories/")
    Uni<JsonNode> deleteAllV1(@HeaderParam("Authorization") String authorization, @QueryParam("user_id") String userId);

    /** Every memory of a user, self-hosted: answers {@code {message}}. */
    @DELETE
    @Path("/memories")
    Uni<JsonNode> deleteAllOss(@HeaderParam("X-API-Key") String apiKey, @QueryParam("user_id") String userId);
}
