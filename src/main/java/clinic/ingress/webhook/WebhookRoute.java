package clinic.ingress.webhook;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.background.Failures;
import clinic.ingress.credentials.Credentials;
import clinic.ingress.credentials.InstanceSecrets;
import clinic.ingress.credentials.Sender;
import clinic.ingress.http.Problems;
import clinic.ingress.webhook.WebhookMetrics.Outcome;
import io.quarkus.logging.Log;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The webhook endpoint, {@code POST /webhooks/evolution} and {@code /webhooks/evolution/{event}}
 * (Evolution's "webhook by events" mode), as a Vert.x route: it decides who a webhook is from
 * before a byte of its body is read, reads the body itself ({@link BodyIntake}) and answers.
 *
 * <ul>
 * <li>Unauthenticated requests are answered 401 from their headers and the connection is closed,
 * so the body they announced is never read.</li>
 * <li>413 when {@code Content-Length} already exceeds the limit; senders that only the body's
 * {@code apikey} can vouch for get a small limit of their own and must announce their length (411
 * otherwise).</li>
 * <li>The body is cut at the limit while it is read (413), paused while the in-flight budget has
 * no room, bounded in time (408), and parsed once into an {@link Intake}; {@link WebhookIngest}
 * takes it from there.</li>
 * </ul>
 *
 * <p>
 * Why not a JAX-RS resource: the REST layer buffers the whole body before the method runs (up to
 * 16 MB for anyone who asks, and several copies of it), and cannot take a body another handler has
 * read. The contract is documented for OpenAPI in {@code META-INF/openapi.yaml}.
 */
@ApplicationScoped
public class WebhookRoute {

    private static final String PATH = "/webhooks/evolution";

    private final Credentials credentials;
    private final InstanceSecrets secrets;
    private final WebhookConfig config;
    private final WebhookMetrics metrics;
    private final Problems problems;
    private final BodyIntake bodies;
    private final WebhookIngest ingest;

    public WebhookRoute(Credentials credentials, InstanceSecrets secrets, WebhookConfig config, WebhookMetrics metrics,
            Problems problems, BodyIntake bodies, WebhookIngest ingest) {
        this.credentials = credentials;
        this.secrets = secrets;
        this.config = config;
        this.metrics = metrics;
        this.problems = problems;
        this.bodies = bodies;
        this.ingest = ingest;
    }

    void install(@Observes Router router) {
        // After Quarkus's own upload limit, before anything that could read the body.
        router.route(PATH).order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT + 1).handler(context -> receive(context, null));
        router.route(PATH + "/:event").order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT + 1)
                // Vert.x has decoded the path parameter already: decoding it again made "%25" a 500.
                .handler(context -> receive(context, context.pathParam("event")));
    }

    void receive(RoutingContext context, String pathEvent) {
        HttpServerRequest request = context.request();
        if (pathEvent != null && !isEventName(pathEvent)) {
            // Evolution appends a kebab-case event name; anything else names no resource here.
            refuse(context, Outcome.INVALID, WebhookRejection.problem(404, "unknown-event-path",
                    "/webhooks/evolution/{event} takes an event name (letters, digits, '-', '_', '.')"));
            return;
        }
        if (request.method() != HttpMethod.POST) {
            context.response().putHeader(HttpHeaders.ALLOW, "POST");
            refuse(context, Outcome.INVALID, WebhookRejection.problem(405, "method-not-allowed", "webhooks are POSTed"));
            return;
        }
        if (!secrets.loaded()) {
            // Until the secret index is read nobody can tell which instances refuse the global token.
            refuse(context, Outcome.UNAVAILABLE, WebhookRejection.starting(config.retryAfter()));
            return;
        }
        Sender sender = credentials.authenticate(request.getHeader(credentials.tokenHeader()),
                request.getHeader(HttpHeaders.AUTHORIZATION));
        long announced;
        try {
            String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
            announced = contentLength == null ? -1 : Long.parseLong(contentLength.trim());
            if (contentLength != null && announced < 0) {
                throw new NumberFormatException("negative");
            }
        } catch (NumberFormatException e) {
            refuse(context, Outcome.INVALID,
                    WebhookRejection.problem(400, "invalid-content-length", "Content-Length is not a number"));
            return;
        }
        long limit = limit(sender);
        WebhookRejection refusal = refusal(sender, announced, limit);
        if (refusal != null) {
            refuse(context, outcome(refusal), refusal);
            return;
        }
        bodies.read(context, limit, pathEvent, new BodyIntake.Then() {
            @Override
            public void parsed(Intake intake) {
                answer(context, new WebhookRequest(sender, request.getHeader(HttpHeaders.CONTENT_TYPE), intake));
            }

            @Override
            public void refused(WebhookRejection rejection) {
                if (rejection.status() == 503) {
                    busy(context, rejection);
                } else {
                    refuse(context, outcome(rejection), rejection);
                }
            }
        });
    }

    private void answer(RoutingContext context, WebhookRequest request) {
        ingest.receive(request).subscribe().with(
                answer -> context.response()
                        .setStatusCode(answer.httpStatus())
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .end(answer.json()),
                failure -> {
                    if (failure instanceof WebhookRejection rejection) {
                        problem(context.response(), rejection).end(problems.json(rejection.status(), rejection.code(),
                                rejection.getMessage()));
                    } else {
                        // A defect: answered 500, which Evolution retries.
                        Log.errorf("webhook failed unexpectedly (%s)", Failures.describe(failure));
                        context.response().setStatusCode(500).putHeader(HttpHeaders.CONTENT_TYPE, Problems.PROBLEM_JSON)
                                .end(problems.json(500, "internal-error", "the webhook could not be processed; retry later"));
                    }
                });
    }

    /** Nobody has vouched for a body-apikey sender yet: its body is read under a small limit. */
    private long limit(Sender sender) {
        return sender.kind() == Sender.Kind.BODY_APIKEY
                ? config.apikeyMaxBodySize().asLongValue()
                : config.maxBodySize().asLongValue();
    }

    /** Why the request is answered now, from its headers; null to go on and read the body. */
    private WebhookRejection refusal(Sender sender, long announced, long limit) {
        boolean mayProceed = switch (sender.kind()) {
            case REJECTED, ABSENT -> false;
            case INSTANCE -> true;
            case GLOBAL, JWT, OPEN, BODY_APIKEY -> !credentials.instanceSecretRequired();
        };
        if (!mayProceed) {
            return WebhookRejection.unauthorized();
        }
        if (announced < 0 && sender.kind() == Sender.Kind.BODY_APIKEY) {
            return WebhookRejection.problem(411, "length-required",
                    "without a credential header the body must announce its length (at most " + limit + " bytes)");
        }
        return announced > limit ? WebhookRejection.tooLarge(limit) : null;
    }

    /** What Evolution's by-events mode appends: the event in kebab case (other spellings accepted), at most 64. */
    static boolean isEventName(String segment) {
        if (segment.isEmpty() || segment.length() > 64) {
            return false;
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    private static Outcome outcome(WebhookRejection rejection) {
        return switch (rejection.status()) {
            case 401 -> Outcome.UNAUTHORIZED;
            case 408 -> Outcome.TIMEOUT;
            case 500, 503 -> Outcome.UNAVAILABLE;
            default -> Outcome.INVALID;
        };
    }

    /** Answers before (or instead of) reading the body: the connection cannot carry another request. */
    private void refuse(RoutingContext context, Outcome outcome, WebhookRejection rejection) {
        // Stop reading from the socket at once: whatever the sender keeps sending stays in its kernel
        // buffers instead of being read into ours only to be discarded.
        context.request().pause();
        metrics.count(outcome);
        HttpServerResponse response = problem(context.response(), rejection);
        if (context.request().version() == HttpVersion.HTTP_2) {
            // One stream of a shared connection: the others go on; the stream is reset at the end.
            response.end(problems.json(rejection.status(), rejection.code(), rejection.getMessage()));
            return;
        }
        response.putHeader(HttpHeaders.CONNECTION, "close")
                .end(problems.json(rejection.status(), rejection.code(), rejection.getMessage()))
                .onComplete(written -> context.request().connection().close());
    }

    /**
     * A body waited for room in the in-flight budget until its read deadline: answered 503, and the
     * rest of it, from an authenticated sender within its size limit, is read and thrown away chunk
     * by chunk (nothing buffered) instead of the connection being cut, so the sender reads the 503
     * and its Retry-After rather than a broken pipe in the middle of its upload.
     */
    private void busy(RoutingContext context, WebhookRejection rejection) {
        metrics.count(Outcome.UNAVAILABLE);
        HttpServerRequest request = context.request();
        if (!request.isEnded()) {
            request.handler(discarded -> {
            });
            request.resume();
        }
        problem(context.response(), rejection)
                .end(problems.json(rejection.status(), rejection.code(), rejection.getMessage()));
    }

    private static HttpServerResponse problem(HttpServerResponse response, WebhookRejection rejection) {
        response.setStatusCode(rejection.status()).putHeader(HttpHeaders.CONTENT_TYPE, Problems.PROBLEM_JSON);
        if (rejection.retryAfter() != null) {
            response.putHeader(HttpHeaders.RETRY_AFTER, rejection.retryAfter().toString());
        }
        return response;
    }
}
