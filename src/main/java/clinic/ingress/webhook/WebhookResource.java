package clinic.ingress.webhook;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestResponse;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Evolution API webhooks, in both delivery modes: one URL for every event, or one URL per event
 * ("webhook by events", {@code /webhooks/evolution/messages-upsert}).
 */
@Path("/webhooks/evolution")
@Tag(name = "webhooks", description = "Evolution API webhook deliveries")
public class WebhookResource {

    private final WebhookIngest ingest;

    public WebhookResource(WebhookIngest ingest) {
        this.ingest = ingest;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Receive an Evolution webhook event")
    @APIResponse(responseCode = "200", description = "accepted, duplicate or ignored")
    @APIResponse(responseCode = "202", description = "quarantined: the instance is not in the clinic directory")
    @APIResponse(responseCode = "400", description = "not an Evolution event (problem+json)")
    @APIResponse(responseCode = "401", description = "missing, wrong or expired credentials, or credentials of another instance (problem+json)")
    @APIResponse(responseCode = "411", description = "no credential header and no Content-Length (problem+json)")
    @APIResponse(responseCode = "413", description = "body too large (problem+json)")
    @APIResponse(responseCode = "503", description = "the message could not be made durable, or the replica is starting; Retry-After set")
    public Uni<RestResponse<WebhookAnswer>> receive(RoutingContext http, byte[] body) {
        return ingest.receive(request(null, http, body));
    }

    @POST
    @Path("/{event}")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Receive an Evolution webhook event (webhook-by-events mode)")
    public Uni<RestResponse<WebhookAnswer>> receiveByEvent(@RestPath String event, RoutingContext http, byte[] body) {
        return ingest.receive(request(event, http, body));
    }

    /*
     * Headers are read from the Vert.x request: the JAX-RS HttpHeaders context object is created
     * through CDI on every request (and an exception inside it), which showed in the profile. The
     * sender was decided by WebhookGate before the body was read.
     */
    private static WebhookRequest request(String event, RoutingContext http, byte[] body) {
        return new WebhookRequest(
                event,
                http.get(WebhookGate.SENDER),
                http.request().getHeader(HttpHeaders.CONTENT_TYPE),
                body);
    }
}
