package clinic.ingress.dispatch;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import clinic.ingress.memory.MemoryItem;
import clinic.ingress.memory.MemoryLookup;

/**
 * One patient message handed to the clinic assistant, with everything it needs to answer.
 *
 * @param turnId           stable across republication (the stored message id): consumers dedupe on it
 * @param clinicId         the clinic
 * @param organizationId   its organization
 * @param sessionId        the conversation session
 * @param messageId        {@code core.whatsapp_messages.id}
 * @param whatsappId       WhatsApp's message id
 * @param instanceName     the Evolution instance to answer through
 * @param patient          opaque patient reference (HMAC pseudonym), never the phone number
 * @param text             the message text, or empty
 * @param messageTimestamp when WhatsApp says it was sent: order a session's turns by this
 * @param memory           memory state and items
 */
public record Turn(UUID turnId, UUID clinicId, UUID organizationId, String sessionId, UUID messageId, String whatsappId,
        String instanceName, String patient, String text, OffsetDateTime messageTimestamp, MemoryLookup memory) {

    /** The Redis Stream entry: flat string fields, memory as a JSON document. */
    Map<String, String> fields() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("turnId", turnId.toString());
        fields.put("clinic", clinicId.toString());
        fields.put("organization", organizationId.toString());
        fields.put("sessionId", sessionId == null ? "" : sessionId);
        fields.put("messageId", messageId.toString());
        fields.put("whatsappMessageId", whatsappId);
        fields.put("instance", instanceName);
        fields.put("patient", patient);
        fields.put("text", text == null ? "" : text);
        fields.put("messageTimestamp", messageTimestamp.toInstant().toString());
        ObjectNode memoryJson = JsonNodeFactory.instance.objectNode().put("state", memory.state());
        var items = memoryJson.putArray("items");
        for (MemoryItem item : memory.items()) {
            ObjectNode node = items.addObject().put("id", item.id()).put("memory", item.memory());
            if (item.score() != null) {
                node.put("score", item.score());
            }
        }
        fields.put("memory", memoryJson.toString());
        return fields;
    }
}
