package clinic.ingress.conversation;

import java.util.UUID;

import clinic.ingress.dispatch.PendingTurn;

/**
 * Outcome of storing one message.
 *
 * @param status stored, duplicate (already stored, now or before) or rejected (PostgreSQL refused the
 *        row's data: retrying cannot help)
 * @param messageId {@code core.whatsapp_messages.id}; null unless stored
 * @param sessionId the conversation's session; null unless stored
 * @param turn the turn waiting in the outbox: stored inbound messages only
 * @param sqlState why PostgreSQL refused the row; rejected only
 */
public record StoredMessage(Status status, UUID messageId, String sessionId, PendingTurn turn, String sqlState) {

    public enum Status {
        STORED,
        DUPLICATE,
        REJECTED
    }

    private static final StoredMessage DUPLICATE = new StoredMessage(Status.DUPLICATE, null, null, null, null);

    static StoredMessage stored(UUID messageId, String sessionId, PendingTurn turn) {
        return new StoredMessage(Status.STORED, messageId, sessionId, turn, null);
    }

    public static StoredMessage duplicate() {
        return DUPLICATE;
    }

    static StoredMessage rejected(String sqlState) {
        return new StoredMessage(Status.REJECTED, null, null, null, sqlState);
    }

    public boolean isDuplicate() {
        return status == Status.DUPLICATE;
    }

    public boolean isRejected() {
        return status == Status.REJECTED;
    }
}
