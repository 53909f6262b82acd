package clinic.ingress.webhook;

import java.util.UUID;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * Body of every 2xx webhook answer.
 *
 * @param status accepted, duplicate, spooled, recorded (a line's status), ignored or quarantined
 * @param messageId stored message id (accepted)
 * @param sessionId conversation session (accepted)
 * @param memory fresh, cached, stale or none (accepted inbound messages)
 * @param reason why an event was ignored or quarantined
 */
public record WebhookAnswer(String status, UUID messageId, String sessionId, String memory, String reason) {

    static WebhookAnswer accepted(UUID messageId, String sessionId, String memory) {
        return new WebhookAnswer("accepted", messageId, sessionId, memory, null);
    }

    /** Durable in the spool while PostgreSQL is away: stored, and turned, when it is back. */
    static WebhookAnswer spooled() {
        return new WebhookAnswer("spooled", null, null, null, null);
    }

    /** A line's status taken: the {@code reason} field says which state. */
    static WebhookAnswer recorded(String state) {
        return new WebhookAnswer("recorded", null, null, null, state);
    }

    static WebhookAnswer duplicate() {
        return new WebhookAnswer("duplicate", null, null, null, null);
    }

    static WebhookAnswer ignored(String reason) {
        return new WebhookAnswer("ignored", null, null, null, reason);
    }

    static WebhookAnswer quarantined(String reason) {
        return new WebhookAnswer("quarantined", null, null, null, reason);
    }

    /** 202 for a quarantined event (kept, not processed yet), 200 otherwise. */
    int httpStatus() {
        return "quarantined".equals(status) ? 202 : 200;
    }

    /**
     * The JSON document, fields that are null left out. Written as text with Jackson's string
     * escaping: a tree and its toString() cost a generator per answer (JFR, docs/benchmarks.md), and
     * native needs no reflection either way.
     */
    String json() {
        StringBuilder json = new StringBuilder(160).append('{');
        field(json, "status", status);
        if (messageId != null) {
            field(json.append(','), "messageId", messageId.toString());
        }
        if (sessionId != null) {
            field(json.append(','), "sessionId", sessionId);
        }
        if (memory != null) {
            field(json.append(','), "memory", memory);
        }
        if (reason != null) {
            field(json.append(','), "reason", reason);
        }
        return json.append('}').toString();
    }

    private static void field(StringBuilder json, String name, String value) {
        json.append('"').append(name).append("\":\"");
        JsonStringEncoder.getInstance().quoteAsString(value, json);
        json.append('"');
    }
}
