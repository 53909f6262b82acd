package clinic.ingress.dispatch;

import java.time.OffsetDateTime;
import java.util.UUID;

import clinic.ingress.memory.MemorySubject;
import io.vertx.mutiny.sqlclient.Row;

/**
 * A stored inbound message whose turn is in the outbox: what a turn is built from, read back from
 * the row PostgreSQL committed. The store's statement and the relay's claim return the same columns,
 * so the webhook and the relay build their turns from the same kind of row through {@link #from(Row)}.
 *
 * @param messageId {@code core.whatsapp_messages.id}, also the turn id
 * @param clinicId the clinic
 * @param organizationId its organization
 * @param sessionId the conversation session
 * @param whatsappId WhatsApp's message id
 * @param instanceName the Evolution instance to answer through
 * @param patientKey phone digits or {@code lid:<digits>}: never leaves the service (turns carry a pseudonym)
 * @param text the message text, or null
 * @param messageTimestamp when WhatsApp says it was sent
 * @param messageType Evolution's message type ({@code conversation}, {@code imageMessage}, ...), or null
 * @param media JSON {@code {type, bytes, sha256, inBody}} of a media message, or null
 * @param traceparent the webhook's trace context kept on the outbox row, for the relay; null in
 *        the store's answer (the webhook names its own publish span) or when tracing is off
 */
public record PendingTurn(UUID messageId, UUID clinicId, UUID organizationId, String sessionId, String whatsappId,
        String instanceName, String patientKey, String text, OffsetDateTime messageTimestamp, String messageType,
        String media, String traceparent) {

    /** The columns both statements return, by name. */
    public static PendingTurn from(Row row) {
        return new PendingTurn(
                row.getUUID("id"),
                row.getUUID("clinic_id"),
                row.getUUID("organization_id"),
                row.getString("session_id"),
                row.getString("whatsapp_message_id"),
                row.getString("instance_name"),
                row.getString("patient_key"),
                row.getString("body"),
                row.getOffsetDateTime("message_timestamp"),
                row.getString("message_type"),
                row.getString("media"),
                row.getString("traceparent"));
    }

    /** Whose memories go with the turn. */
    public MemorySubject subject() {
        return new MemorySubject(organizationId, patientKey);
    }

    @Override
    public String toString() {
        return "PendingTurn[messageId=" + messageId + ", instance=" + instanceName + ", patient=<redacted>, text=<redacted>]";
    }
}
