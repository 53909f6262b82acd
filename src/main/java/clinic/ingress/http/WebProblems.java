package clinic.ingress.http;

import java.util.Locale;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every 4xx and 5xx the REST layer answers by itself (an unknown path, a wrong method, a bad
 * parameter, an admin request refused) as an {@code application/problem+json} document saying why,
 * instead of an empty body.
 */
public class WebProblems {

    private final Problems problems;

    public WebProblems(Problems problems) {
        this.problems = problems;
    }

    @ServerExceptionMapper
    public Response map(WebApplicationException exception) {
        int status = exception.getResponse().getStatus();
        Response.Status known = Response.Status.fromStatusCode(status);
        String code = known == null ? "error" : known.name().toLowerCase(Locale.ROOT).replace('_', '-');
        return problems.problem(status, code, exception.getMessage(), null);
    }
}
