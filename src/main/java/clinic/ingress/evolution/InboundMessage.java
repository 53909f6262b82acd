package clinic.ingress.evolution;

import java.time.OffsetDateTime;

/**
 * A WhatsApp message as Evolution delivered it, normalised across versions.
 *
 * @param instanceName the Evolution instance (a clinic's WhatsApp line)
 * @param event canonical event name
 * @param whatsappId {@code data.key.id}, the idempotency key with the instance
 * @param remoteJid the chat JID as sent
 * @param patient phone and/or LID of the patient
 * @param fromMe sent by the clinic's number: stored as outbound, never dispatched
 * @param messageType Evolution's {@code messageType}, or the content key of {@code message}
 * @param text text, caption, transcription or reaction; null for media without text
 * @param messageTimestamp when WhatsApp says it was sent (events arrive out of order)
 * @param media an image, video, audio, document or sticker, or null
 * @param rawJson the event as kept: safe for jsonb (no NUL, no lone surrogates), without its
 *        credentials and media bytes (their size and SHA-256 instead)
 */
public record InboundMessage(
        String instanceName,
        String event,
        String whatsappId,
        String remoteJid,
        PatientIdentity patient,
        boolean fromMe,
        String messageType,
        String text,
        OffsetDateTime messageTimestamp,
        Media media,
        String rawJson) {

    public String direction() {
        return fromMe ? "outbound" : "inbound";
    }
}
