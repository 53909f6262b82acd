package clinic.ingress.spool;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import clinic.ingress.clinic.Clinic;
import clinic.ingress.evolution.InboundMessage;
import clinic.ingress.evolution.Json;
import clinic.ingress.evolution.Media;
import clinic.ingress.evolution.PatientIdentity;

/**
 * A message the store could not take, as the spool keeps it: everything the store and the turn need,
 * as they were when the webhook was answered (the clinic it resolved to, the message as parsed).
 * Written and read as a JSON tree (no reflection, nothing to register for the native image), sealed
 * like a cache value: Redis contents are untrusted input.
 *
 * @param clinic the clinic the instance resolved to (its instance token hash is not kept)
 * @param message the message as parsed
 * @param traceparent the webhook's trace context, or null
 * @param receivedAt when the webhook was answered {@code spooled}
 * @param held spooled because its patient was being erased (not because PostgreSQL was away): it
 *        arrived after the erasure began, so the erasure leaves it, and the drain stores it once the
 *        erasure is done
 */
public record SpooledMessage(Clinic clinic, InboundMessage message, String traceparent, Instant receivedAt, boolean held) {

    private static final int FORMAT = 1;

    /** A message spooled because the store could not take it. */
    public SpooledMessage(Clinic clinic, InboundMessage message, String traceparent, Instant receivedAt) {
        this(clinic, message, traceparent, receivedAt, false);
    }

    /** The instance and the message id: what the store deduplicates on, and what the seal is bound to. */
    public String idempotencyKey() {
        return message.instanceName() + '\u0000' + message.whatsappId();
    }

    /** A chat: an instance's conversation with one patient. Holds the patient's key: never logged. */
    public record Chat(String value) {

        public static Chat of(InboundMessage message) {
            return of(message.instanceName(), message.patient().key());
        }

        /** An instance's chat with the patient of this key (phone digits or {@code lid:<digits>}). */
        public static Chat of(String instance, String patientKey) {
            return new Chat(instance + '\u0000' + patientKey);
        }

        @Override
        public String toString() {
            return "Chat[<redacted>]";
        }
    }

    /** The chat it belongs to: messages of one chat are stored in the order they were spooled. */
    public Chat chat() {
        return Chat.of(message);
    }

    JsonNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode().put("format", FORMAT);
        json.putObject("clinic")
                .put("instance", clinic.instanceName())
                .put("clinicId", clinic.clinicId().toString())
                .put("organizationId", clinic.organizationId().toString())
                .put("name", clinic.name())
                .put("whatsappNumber", clinic.whatsappNumber());
        ObjectNode m = json.putObject("message")
                .put("instance", message.instanceName())
                .put("event", message.event())
                .put("whatsappId", message.whatsappId())
                .put("remoteJid", message.remoteJid())
                .put("phone", message.patient().phone())
                .put("lid", message.patient().lid())
                .put("fromMe", message.fromMe())
                .put("messageType", message.messageType())
                .put("text", message.text())
                .put("messageTimestamp", message.messageTimestamp().toString())
                .put("raw", message.rawJson());
        Media media = message.media();
        if (media != null) {
            m.putObject("media").put("type", media.type()).put("bytes", media.bytes()).put("sha256", media.sha256())
                    .put("inBody", media.inBody());
        }
        json.put("traceparent", traceparent);
        json.put("receivedAt", receivedAt.toEpochMilli());
        if (held) {
            json.put("held", true);
        }
        return json;
    }

    /** The message, or null when the tree is not one this service wrote (counted corrupt by the caller). */
    static SpooledMessage fromJson(JsonNode json) {
        try {
            if (json.path("format").asInt(-1) != FORMAT) {
                return null;
            }
            JsonNode c = json.get("clinic");
            Clinic clinic = new Clinic(text(c, "instance"), UUID.fromString(text(c, "clinicId")),
                    UUID.fromString(text(c, "organizationId")), Json.text(c.get("name")), Json.text(c.get("whatsappNumber")),
                    null);
            JsonNode m = json.get("message");
            JsonNode media = m.get("media");
            InboundMessage message = new InboundMessage(
                    text(m, "instance"),
                    text(m, "event"),
                    text(m, "whatsappId"),
                    text(m, "remoteJid"),
                    new PatientIdentity(Json.text(m.get("phone")), Json.text(m.get("lid"))),
                    m.path("fromMe").asBoolean(),
                    Json.text(m.get("messageType")),
                    Json.text(m.get("text")),
                    OffsetDateTime.parse(text(m, "messageTimestamp")),
                    media == null || media.isNull() ? null
                            : new Media(Json.text(media.get("type")), media.path("bytes").asLong(-1),
                                    Json.text(media.get("sha256")), media.path("inBody").asBoolean()),
                    text(m, "raw"));
            if (!clinic.instanceName().equals(message.instanceName())
                    || message.patient().phone() == null && message.patient().lid() == null) {
                return null;
            }
            return new SpooledMessage(clinic, message, Json.text(json.get("traceparent")),
                    Instant.ofEpochMilli(json.path("receivedAt").asLong()), json.path("held").asBoolean(false));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A required text field: missing or not text is a tree this service did not write. */
    private static String text(JsonNode node, String field) {
        String value = Json.text(node.get(field));
        if (value == null) {
            throw new IllegalArgumentException("missing " + field);
        }
        return value;
    }
}
