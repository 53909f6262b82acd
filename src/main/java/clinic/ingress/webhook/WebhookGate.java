package clinic.ingress.webhook;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.platform.Problems;
import clinic.ingress.webhook.WebhookMetrics.Outcome;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Decides who a webhook is from before a byte of its body is read: a Vert.x route on
 * {@code /webhooks/*} ordered ahead of the REST layer, which would otherwise buffer the whole body
 * (up to 16 MB) for anyone who asks. Unauthenticated requests are answered 401 from their headers
 * and the connection is closed, so the body they announced is never read. The sender found here is
 * handed to {@link WebhookResource}, which checks it against the instance named in the body.
 *
 * <p>Then, for the same reason, answers 413 when {@code Content-Length} already exceeds the limit.
 * Senders that only the body's {@code apikey} can vouch for get a small limit of their own and must
 * announce their length (411 otherwise). Chunked bodies of authenticated senders are cut at the
 * limit while they are read.
 */
@ApplicationScoped
public class WebhookGate {

    static final String SENDER = "clinic.ingress.webhook.sender";

    private final Credentials credentials;
    private final InstanceSecrets secrets;
    private final WebhookConfig config;
    private final WebhookMetrics metrics;
    private final Problems problems;

    public WebhookGate(Credentials credentials, InstanceSecrets secrets, WebhookConfig config, WebhookMetrics metrics,
            Problems problems) {
        this.credentials = credentials;
        this.secrets = secrets;
        this.config = config;
        this.metrics = metrics;
        this.problems = problems;
    }

    void install(@Observes Router router) {
        // After Quarkus's own upload limit, before everything that could read the body.
        router.route("/webhooks/*")
                .order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT + 1)
                .handler(this::check);
    }

    void check(RoutingContext context) {
        HttpServerRequest request = context.request();
        if (request.method() != HttpMethod.POST) {
            context.next();
            return;
        }
        if (!secrets.loaded()) {
            // Until the secret index is read nobody can tell which instances refuse the global token.
            refuse(context, Outcome.UNAVAILABLE, WebhookRejection.unavailable(config.retryAfter(), null));
            return;
        }
        Sender sender = credentials.authenticate(request.getHeader(config.tokenHeader()),
                request.getHeader(HttpHeaders.AUTHORIZATION));
        WebhookRejection refusal = refusal(sender, request.getHeader(HttpHeaders.CONTENT_LENGTH));
        if (refusal != null) {
            refuse(context, refusal.status() == 401 ? Outcome.UNAUTHORIZED : Outcome.INVALID, refusal);
            return;
        }
        context.put(SENDER, sender);
        context.next();
    }

    /** Why the request is answered now, from its headers; null to go on and read the body. */
    private WebhookRejection refusal(Sender sender, String contentLength) {
        boolean mayProceed = switch (sender.kind()) {
            case REJECTED, ABSENT -> false;
            case INSTANCE -> true;
            case GLOBAL, OPEN, BODY_APIKEY -> !config.requireInstanceSecret();
        };
        if (!mayProceed) {
            return WebhookRejection.unauthorized();
        }
        long length;
        try {
            length = contentLength == null ? -1 : Long.parseLong(contentLength.trim());
        } catch (NumberFormatException e) {
            return WebhookRejection.problem(400, "invalid-content-length", "Content-Length is not a number");
        }
        // Nobody has vouched for a body-apikey sender yet: a small body, and its length announced.
        long limit = sender.kind() == Sender.Kind.BODY_APIKEY
                ? config.apikeyMaxBodySize().asLongValue()
                : config.maxBodySize().asLongValue();
        if (length < 0 && sender.kind() == Sender.Kind.BODY_APIKEY) {
            return WebhookRejection.problem(411, "length-required",
                    "without a credential header the body must announce its length (at most " + limit + " bytes)");
        }
        return length > limit ? WebhookRejection.tooLarge(limit) : null;
    }

    private void refuse(RoutingContext context, Outcome outcome, WebhookRejection rejection) {
        // Stop reading from the socket at once: whatever the sender keeps sending stays in its kernel
        // buffers instead of being read into ours only to be discarded.
        context.request().pause();
        metrics.count(outcome);
        var response = context.response()
                .setStatusCode(rejection.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, Problems.PROBLEM_JSON)
                // The body was not read: the connection cannot carry another request.
                .putHeader(HttpHeaders.CONNECTION, "close");
        if (rejection.retryAfter() != null) {
            response.putHeader(HttpHeaders.RETRY_AFTER, rejection.retryAfter().toString());
        }
        response.end(problems.json(rejection.status(), rejection.code(), rejection.getMessage()))
                .onComplete(written -> context.request().connection().close());
    }
}
