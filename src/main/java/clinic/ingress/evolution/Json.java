package clinic.ingress.evolution;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reading untrusted JSON trees (webhook bodies, mem0 answers) without assuming their types.
 */
public final class Json {

    private Json() {
    }

    /** The node's text when it is a JSON string; null for anything else, missing included. */
    public static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.textValue() : null;
    }
}
