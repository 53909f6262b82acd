package clinic.ingress.webhook;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Answers 413 with a problem document when {@code Content-Length} already says the body is too
 * large, before a byte of it is buffered. Chunked bodies are cut by
 * {@code quarkus.http.limits.max-body-size}, set to the same limit.
 */
public class WebhookBodyLimit {

    private final WebhookConfig config;
    private final Problems problems;

    public WebhookBodyLimit(WebhookConfig config, Problems problems) {
        this.config = config;
        this.problems = problems;
    }

    @ServerRequestFilter(preMatching = true)
    public Response limit(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return null;
        }
        long limit = config.maxBodySize().asLongValue();
        try {
            if (Long.parseLong(length.trim()) <= limit) {
                return null;
            }
        } catch (NumberFormatException e) {
            return problems.problem(400, "invalid-content-length", "Content-Length is not a number", null);
        }
        return problems.of(WebhookRejection.tooLarge(limit));
    }
}
