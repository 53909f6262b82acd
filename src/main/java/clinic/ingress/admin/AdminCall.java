package clinic.ingress.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import io.vertx.ext.web.RoutingContext;

/**
 * One admin request as an operation sees it: who asked, the path and query parameters, the JSON body.
 *
 * @param operator the operator's name, as the audit records it
 * @param body the request's JSON body, or a missing node
 */
record AdminCall(String operator, RoutingContext context, JsonNode body) {

    AdminCall {
        body = body == null ? MissingNode.getInstance() : body;
    }

    /** A path parameter (decoded once, by Vert.x). */
    String path(String name) {
        return context.pathParam(name);
    }

    /** A query parameter, or null. */
    String query(String name) {
        return context.queryParams().get(name);
    }

    /** A text field of the body, or null. */
    String text(String field) {
        JsonNode value = body.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }
}
