package clinic.ingress.memory;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import clinic.ingress.cache.CachedValue;

/**
 * A patient's cached memories, as both tiers hold them.
 *
 * @param items what mem0 returned
 * @param fetchedAt when mem0 returned it
 * @param deltaMs how long that mem0 call took (XFetch refreshes earlier for slow fetches)
 * @param freshForMs how long it is fresh (jittered at write, so entries written together expire apart)
 */
record MemoryEntry(List<MemoryItem> items, Instant fetchedAt, long deltaMs, long freshForMs) {

    /** The Redis form (the envelope adds {@code fetchedAt}). */
    JsonNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.set("items", Mem0Responses.toJson(items));
        node.put("deltaMs", deltaMs);
        node.put("freshForMs", freshForMs);
        return node;
    }

    /** The entry a Redis value holds, or null when it is not of this shape. */
    static MemoryEntry fromJson(CachedValue value) {
        JsonNode data = value.data();
        if (data == null || !data.path("items").isArray() || !data.path("freshForMs").canConvertToLong()) {
            return null;
        }
        return new MemoryEntry(Mem0Responses.items(data.get("items")), value.fetchedAt(),
                data.path("deltaMs").asLong(0), data.get("freshForMs").asLong());
    }
}
