package clinic.ingress.evolution;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * PostgreSQL text and jsonb cannot hold U+0000, and a lone UTF-16 surrogate is not valid UTF-8.
 * Both arrive from hostile or broken senders; both are replaced with U+FFFD so such input is
 * stored instead of failing the write.
 */
final class JsonSafety {

    private static final char REPLACEMENT = '\uFFFD';

    private JsonSafety() {
    }

    /** Cleans every string and field name of {@code node} in place. */
    static void sanitize(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<String> dirtyNames = null;
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                JsonNode value = field.getValue();
                if (value.isTextual() && !isClean(value.textValue())) {
                    field.setValue(TextNode.valueOf(clean(value.textValue())));
                } else {
                    sanitize(value);
                }
                if (!isClean(field.getKey())) {
                    dirtyNames = dirtyNames == null ? new ArrayList<>() : dirtyNames;
                    dirtyNames.add(field.getKey());
                }
            }
            if (dirtyNames != null) {
                for (String name : dirtyNames) {
                    object.set(clean(name), object.remove(name));
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                JsonNode value = array.get(i);
                if (value.isTextual() && !isClean(value.textValue())) {
                    array.set(i, TextNode.valueOf(clean(value.textValue())));
                } else {
                    sanitize(value);
                }
            }
        }
    }

    static boolean isClean(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    static String clean(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) {
                out.append(REPLACEMENT);
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append(REPLACEMENT);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
