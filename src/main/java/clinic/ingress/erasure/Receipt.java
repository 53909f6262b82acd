package clinic.ingress.erasure;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What an erasure removed, counted per place ({@code messages}, {@code conversations}, {@code sessions},
 * {@code logs}, {@code turnOutbox}, {@code memoryOutbox}, {@code duplicates}, {@code quarantine},
 * {@code mem0Users}, {@code streamEntries}, {@code spooled}), and the passes it
 * took: counts and mem0's event ids only, never patient data. Written after every step, so an
 * erasure resumed after a crash adds to what the first run had done.
 */
public final class Receipt {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode counts;

    private Receipt(ObjectNode counts) {
        this.counts = counts;
    }

    static Receipt empty() {
        return new Receipt(JsonNodeFactory.instance.objectNode());
    }

    static Receipt parse(String json) {
        if (json == null) {
            return empty();
        }
        try {
            JsonNode tree = JSON.readTree(json);
            return new Receipt(tree instanceof ObjectNode object ? object : JsonNodeFactory.instance.objectNode());
        } catch (IOException e) {
            return empty();
        }
    }

    synchronized Receipt add(String place, long count) {
        counts.put(place, counts.path(place).asLong(0) + count);
        return this;
    }

    /** mem0 queued a deletion (hosted): its event id, to look it up there. */
    synchronized Receipt event(String eventId) {
        if (eventId != null) {
            counts.withArray("mem0Events").add(eventId);
        }
        return this;
    }

    synchronized long count(String place) {
        return counts.path(place).asLong(0);
    }

    public synchronized ObjectNode json() {
        return counts.deepCopy();
    }

    @Override
    public synchronized String toString() {
        return counts.toString();
    }
}
