package clinic.ingress.admin;

import java.io.IOException;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import clinic.ingress.background.Failures;
import clinic.ingress.background.LogText;
import clinic.ingress.http.Problems;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.vertx.http.ManagementInterface;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code /admin/*}, on the management interface only (port 9000, beside health and metrics: Fly's
 * {@code http_service} and the Kubernetes Service do not route it from the internet; operators reach
 * it through the private network or {@code kubectl port-forward}). On the public port {@code /admin}
 * answers 404, saying where it went.
 *
 * <p>
 * Every request names its operator with a Bearer token ({@link Operators}: each operator's own,
 * revocable, or the shared {@code ingress.admin.token}), and every action, refused or done, is
 * written to the audit trail ({@link AdminAudit}: who, when, what, result; no patient data), readable
 * by {@code GET /admin/audit}. Vert.x routes, not JAX-RS resources: the REST layer serves the public
 * port only. The answers are JSON trees built by hand: nothing for the native image to register.
 */
@ApplicationScoped
public class AdminRoutes {

    /** One admin operation. */
    @FunctionalInterface
    interface Operation extends Function<AdminCall, Uni<AdminAnswer>> {
    }

    /** Request bodies are small JSON documents; a larger one is refused before it is parsed. */
    private static final int MAX_BODY = 64 * 1024;

    private final Operators operators;
    private final AdminAudit audit;
    private final AdminConfig config;
    private final CacheAdmin cache;
    private final InstancesAdmin instances;
    private final QuarantineAdmin quarantine;
    private final ErasureAdmin erasure;
    private final Problems problems;
    private final ObjectMapper mapper;
    private final Counter refused;

    @SuppressWarnings("java:S107") // constructor injection of the operations it routes
    AdminRoutes(Operators operators, AdminAudit audit, AdminConfig config, CacheAdmin cache, InstancesAdmin instances,
            QuarantineAdmin quarantine, ErasureAdmin erasure, Problems problems, ObjectMapper mapper, MeterRegistry registry) {
        this.erasure = erasure;
        this.operators = operators;
        this.audit = audit;
        this.config = config;
        this.cache = cache;
        this.instances = instances;
        this.quarantine = quarantine;
        this.problems = problems;
        this.mapper = mapper;
        this.refused = Counter.builder("ingress.admin.refused")
                .description("Admin requests refused for want of an operator's token")
                .register(registry);
    }

    void install(@Observes ManagementInterface management) {
        Router router = management.router();
        router.route("/admin/*").handler(BodyHandler.create().setBodyLimit(MAX_BODY));
        route(router, HttpMethod.POST, "/admin/warmup/all", "warmup", cache::warmup);
        route(router, HttpMethod.GET, "/admin/clinics/:instance", "clinic.read", cache::clinic);
        route(router, HttpMethod.POST, "/admin/cache/invalidate", "cache.invalidate", cache::invalidate);
        route(router, HttpMethod.GET, "/admin/cache/stats", "cache.stats", cache::stats);
        route(router, HttpMethod.GET, "/admin/instances/silent", "instances.silent", instances::silent);
        route(router, HttpMethod.GET, "/admin/instances", "instances.lines", instances::lines);
        route(router, HttpMethod.GET, "/admin/quarantine", "quarantine.read", quarantine::counts);
        route(router, HttpMethod.POST, "/admin/quarantine/replay", "quarantine.replay", quarantine::replay);
        route(router, HttpMethod.POST, "/admin/patients/erase", "patient.erase", erasure::erase);
        route(router, HttpMethod.GET, "/admin/patients/erasures/:id", "patient.erasure.read", erasure::receipt);
        route(router, HttpMethod.GET, "/admin/audit", "audit.read", this::auditPage);
        router.route("/admin/*").handler(context -> problem(context, 404, "not-found", "no such admin endpoint"));
    }

    /** The public port: {@code /admin} is not there, and the answer says where it is. */
    void publicPort(@Observes Router router) {
        router.route("/admin*").order(-100).handler(context -> problem(context, 404, "not-found",
                "admin endpoints are on the management interface (port 9000), not the public port"));
    }

    private void route(Router router, HttpMethod method, String path, String action, Operation operation) {
        router.route(method, path).handler(context -> handle(context, action, operation));
    }

    private void handle(RoutingContext context, String action, Operation operation) {
        operators.identify(context.request().getHeader(HttpHeaders.AUTHORIZATION))
                .subscribe().with(operator -> {
                    if (operator == null) {
                        refused.increment();
                        problem(context, 401, "unauthorized", "admin endpoints need an operator's Bearer token");
                        return;
                    }
                    run(context, operator, action, operation);
                }, failure -> {
                    Log.warnf("admin request refused: operators could not be read (%s)", Failures.describe(failure));
                    problem(context, 503, "unavailable", "operators could not be read; retry later");
                });
    }

    private void run(RoutingContext context, String operator, String action, Operation operation) {
        AdminCall call;
        try {
            call = new AdminCall(operator, context, body(context));
        } catch (AdminProblem bad) {
            answer(context, operator, action, bad);
            return;
        }
        Uni.createFrom().deferred(() -> operation.apply(call))
                .subscribe().with(
                        answer -> audit.record(new AdminAudit.Action(operator, action, answer.target(), answer.status(),
                                answer.result()))
                                .subscribe().with(ignored -> respond(context, answer)),
                        failure -> answer(context, operator, action, failure));
    }

    /** A failed action: audited with why, answered with a problem document. */
    private void answer(RoutingContext context, String operator, String action, Throwable failure) {
        int status;
        String code;
        String detail;
        String target = null;
        if (failure instanceof AdminProblem problem) {
            status = problem.status;
            code = problem.code;
            detail = problem.getMessage();
            target = problem.target;
        } else {
            status = 500;
            code = "internal-error";
            detail = "the action failed; the service's log says why";
            Log.warnf("admin action %s by %s failed (%s)", action, LogText.of(operator), Failures.describe(failure));
        }
        audit.record(new AdminAudit.Action(operator, action, target, status, code))
                .subscribe().with(ignored -> problem(context, status, code, detail));
    }

    private Uni<AdminAnswer> auditPage(AdminCall call) {
        int limit = config.auditPageLimit();
        String asked = call.query("limit");
        if (asked != null) {
            try {
                limit = Math.max(1, Math.min(limit, Integer.parseInt(asked)));
            } catch (NumberFormatException e) {
                return Uni.createFrom().failure(AdminProblem.badRequest("limit must be a number"));
            }
        }
        String operator = call.query("operator");
        return audit.newest(operator, limit)
                .map(rows -> {
                    ArrayNode json = JsonNodeFactory.instance.arrayNode();
                    rows.forEach(json::add);
                    return AdminAnswer.ok(json, operator, null);
                });
    }

    private JsonNode body(RoutingContext context) {
        if (context.body() == null || context.body().buffer() == null || context.body().length() == 0) {
            return null;
        }
        try {
            return mapper.readTree(context.body().buffer().getBytes());
        } catch (IOException e) {
            throw AdminProblem.badRequest("the body must be a JSON object");
        }
    }

    private static void respond(RoutingContext context, AdminAnswer answer) {
        context.response().setStatusCode(answer.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(answer.body().toString());
    }

    private void problem(RoutingContext context, int status, String code, String detail) {
        context.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, Problems.PROBLEM_JSON)
                .end(problems.json(status, code, detail));
    }
}
