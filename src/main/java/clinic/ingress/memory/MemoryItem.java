package clinic.ingress.memory;

/**
 * One memory about a patient, as the assistant receives it.
 *
 * @param id mem0 memory id
 * @param memory the remembered fact
 * @param score relevance, when mem0 gave one
 * @param createdAt as mem0 reported it
 */
public record MemoryItem(String id, String memory, Double score, String createdAt) {
}
