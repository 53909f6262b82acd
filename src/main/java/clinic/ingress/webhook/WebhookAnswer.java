package clinic.ingress.webhook;

import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Body of every 2xx webhook answer.
 *
 * @param status    accepted, duplicate, ignored or quarantined
 * @param messageId stored message id (accepted)
 * @param sessionId conversation session (accepted)
 * @param memory    fresh, cached, stale or none (accepted inbound messages)
 * @param reason    why an event was ignored or quarantined
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WebhookAnswer(String status, UUID messageId, String sessionId, String memory, String reason) {

    static WebhookAnswer accepted(UUID messageId, String sessionId, String memory) {
        return new WebhookAnswer("accepted", messageId, sessionId, memory, null);
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
}
