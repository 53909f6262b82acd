package clinic.ingress.webhook;

import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import clinic.ingress.platform.Problems;

/**
 * Maps {@link WebhookRejection} to its problem document.
 */
public class ProblemMapper {

    private final Problems problems;

    public ProblemMapper(Problems problems) {
        this.problems = problems;
    }

    @ServerExceptionMapper
    public Response map(WebhookRejection rejection) {
        return problems.problem(rejection.status(), rejection.code(), rejection.getMessage(), rejection.retryAfter());
    }
}
