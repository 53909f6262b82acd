package clinic.ingress.memory;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import clinic.ingress.evolution.Json;

/**
 * Every mem0 search answer shape: a bare array (v1 {@code v1.0}, v2), {@code {results:[...]}}
 * (v3, v1 {@code v1.1}, self-hosted) and the paginated {@code {count,next,previous,results}}.
 */
final class Mem0Responses {

    private Mem0Responses() {
    }

    static List<MemoryItem> items(JsonNode answer) {
        JsonNode results = answer == null ? null : answer.isArray() ? answer : answer.get("results");
        List<MemoryItem> items = new ArrayList<>();
        if (results == null || !results.isArray()) {
            return items;
        }
        for (JsonNode result : results) {
            String memory = text(result.get("memory"));
            if (memory == null) {
                memory = text(result.path("data").get("memory"));
            }
            if (memory != null) {
                items.add(new MemoryItem(text(result.get("id")), memory,
                        result.path("score").isNumber() ? result.get("score").asDouble() : null,
                        text(result.get("created_at"))));
            }
        }
        return items;
    }

    static JsonNode toJson(List<MemoryItem> items) {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        for (MemoryItem item : items) {
            ObjectNode node = array.addObject();
            node.put("id", item.id());
            node.put("memory", item.memory());
            if (item.score() != null) {
                node.put("score", item.score());
            }
            node.put("created_at", item.createdAt());
        }
        return array;
    }

    private static String text(JsonNode node) {
        return Json.text(node);
    }
}
