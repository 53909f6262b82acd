package clinic.ingress.conversation;

import java.util.UUID;

/**
 * Outcome of storing a message.
 *
 * @param messageId {@code core.whatsapp_messages.id}; null for a duplicate
 * @param sessionId the conversation's session; null for a duplicate
 */
public record StoredMessage(UUID messageId, String sessionId) {

    private static final StoredMessage DUPLICATE = new StoredMessage(null, null);

    public static StoredMessage duplicate() {
        return DUPLICATE;
    }

    public boolean isDuplicate() {
        return messageId == null;
    }
}
