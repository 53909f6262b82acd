package clinic.ingress.conversation;

import java.util.UUID;

import clinic.ingress.clinic.Clinic;
import clinic.ingress.evolution.InboundMessage;

/**
 * A message on its way into a batch.
 *
 * @param id the row id it will have if stored (UUIDv7: time-ordered)
 * @param clinic the clinic its instance belongs to
 * @param message the message
 * @param traceparent the webhook's trace context for a turn the relay publishes, or null (tracing off)
 */
public record NewMessage(UUID id, Clinic clinic, InboundMessage message, String traceparent) {

    /** Fixed cost of a queued message beyond its strings: the records, the answer's emitter. */
    private static final int OVERHEAD_BYTES = 256;

    /** What it holds while it waits (strings of Latin text take a byte a character): its queue weight. */
    long weight() {
        return OVERHEAD_BYTES + length(message.rawJson()) + length(message.text());
    }

    private static int length(String text) {
        return text == null ? 0 : text.length();
    }

    /** {@code (instance_name, whatsapp_message_id)}, the idempotency key. */
    String idempotencyKey() {
        return message.instanceName() + '\u0000' + message.whatsappId();
    }
}
