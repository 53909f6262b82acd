package clinic.ingress.http;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Renders {@code application/problem+json} answers (RFC 9457). Built on the Jackson tree so the
 * native image needs no reflection for it.
 */
@ApplicationScoped
public class Problems {

    public static final String PROBLEM_JSON = "application/problem+json";

    private final ObjectMapper mapper;

    public Problems(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public Response problem(int status, String code, String detail, Integer retryAfter) {
        Response.ResponseBuilder response = Response.status(status)
                .type(PROBLEM_JSON)
                .entity(json(status, code, detail));
        if (retryAfter != null) {
            response.header(HttpHeaders.RETRY_AFTER, retryAfter);
        }
        return response.build();
    }

    /** The problem document itself, for answers written below the REST layer. */
    public String json(int status, String code, String detail) {
        Response.Status known = Response.Status.fromStatusCode(status);
        ObjectNode body = mapper.createObjectNode()
                .put("type", "urn:clinic-ingress:problem:" + code)
                .put("title", known != null ? known.getReasonPhrase() : code)
                .put("status", status)
                .put("detail", detail);
        return body.toString();
    }
}
