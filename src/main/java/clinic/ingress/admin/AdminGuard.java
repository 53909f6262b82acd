package clinic.ingress.admin;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import clinic.ingress.platform.Problems;
import clinic.ingress.platform.Secrets;

/**
 * {@code /admin/*} requires {@code Authorization: Bearer <ingress.admin.token>}; without a
 * configured token the admin surface does not exist (404).
 */
public class AdminGuard {

    private final AdminConfig config;
    private final Problems problems;

    public AdminGuard(AdminConfig config, Problems problems) {
        this.config = config;
        this.problems = problems;
    }

    @ServerRequestFilter
    public Response guard(ContainerRequestContext request) {
        if (!request.getUriInfo().getPath().startsWith("/admin")) {
            return null;
        }
        if (config.token().isEmpty()) {
            return problems.problem(404, "not-found", "admin endpoints are disabled (no ingress.admin.token)", null);
        }
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String presented = authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7).trim()
                : "";
        if (!Secrets.same(presented, config.token().get())) {
            return problems.problem(401, "unauthorized", "admin endpoints need the admin Bearer token", null);
        }
        return null;
    }
}
