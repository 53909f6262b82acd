package clinic.ingress.dispatch;

import java.util.LinkedHashMap;
import java.util.Map;

import clinic.ingress.memory.MemoryItem;
import clinic.ingress.memory.MemoryLookup;

/**
 * One patient message handed to the clinic assistant, with everything it needs to answer. Built
 * only by {@link TurnPublisher}, from the stored row, whether the webhook or the relay publishes it.
 *
 * @param stored the stored message (its id is the turn id: stable across republication, so
 *        consumers dedupe on it)
 * @param patient opaque patient reference (HMAC pseudonym), never the phone number
 * @param memory memory state and items
 * @param traceparent W3C traceparent of the webhook's trace, or null (tracing off): its turn.publish
 *        span, or its message.store span when the relay publishes the turn
 */
record Turn(PendingTurn stored, String patient, MemoryLookup memory, String traceparent) {

    /** The Redis Stream entry: flat string fields, memory as a JSON document. */
    Map<String, String> fields() {
        // Sized for its 16 fields: the default table would be rebuilt once per turn.
        Map<String, String> fields = new LinkedHashMap<>(32);
        String messageId = stored.messageId().toString();
        fields.put("turnId", messageId);
        fields.put("clinic", stored.clinicId().toString());
        fields.put("organization", stored.organizationId().toString());
        fields.put("sessionId", stored.sessionId() == null ? "" : stored.sessionId());
        fields.put("messageId", messageId);
        fields.put("whatsappMessageId", stored.whatsappId());
        fields.put("instance", stored.instanceName());
        fields.put("patient", patient);
        fields.put("text", stored.text() == null ? "" : stored.text());
        fields.put("messageTimestamp", stored.messageTimestamp().toInstant().toString());
        fields.put("messageType", stored.messageType() == null ? "" : stored.messageType());
        if (stored.media() != null) {
            fields.put("media", stored.media());
        }
        fields.put("memory", memoryJson());
        if (traceparent != null) {
            fields.put("traceparent", traceparent);
        }
        return fields;
    }

    /** {"state": ..., "items": [{"id": ..., "memory": ..., "score": ...}]}, score only when known. */
    private String memoryJson() {
        StringBuilder json = new StringBuilder(48 + 160 * memory.items().size()).append("{\"state\":");
        JsonText.string(json, memory.state()).append(",\"items\":[");
        boolean first = true;
        for (MemoryItem item : memory.items()) {
            json.append(first ? "{\"id\":" : ",{\"id\":");
            JsonText.string(json, item.id()).append(",\"memory\":");
            JsonText.string(json, item.memory());
            if (item.score() != null) {
                JsonText.number(json.append(",\"score\":"), item.score());
            }
            json.append('}');
            first = false;
        }
        return json.append("]}").toString();
    }
}
