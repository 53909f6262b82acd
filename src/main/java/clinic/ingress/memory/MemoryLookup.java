package clinic.ingress.memory;

import java.util.List;

/**
 * The memories a webhook got, and how.
 *
 * @param state {@code fresh} (mem0 answered within the budget), {@code cached} (local or fresh Redis
 *        entry), {@code stale} (mem0 slow or down, an older entry served), {@code none}
 * @param items the memories, empty for none
 */
public record MemoryLookup(String state, List<MemoryItem> items) {

    public static final MemoryLookup NONE = new MemoryLookup("none", List.of());

    static MemoryLookup fresh(List<MemoryItem> items) {
        return new MemoryLookup("fresh", items);
    }

    static MemoryLookup cached(List<MemoryItem> items) {
        return new MemoryLookup("cached", items);
    }

    static MemoryLookup stale(List<MemoryItem> items) {
        return new MemoryLookup("stale", items);
    }
}
