package clinic.ingress.webhook;

/**
 * The parts of a webhook request the ingress looks at.
 *
 * @param pathEvent   event from the by-events URL suffix, or null
 * @param sender      who the headers say the request is from ({@link WebhookGate}), or null if
 *                    the gate did not run (treated as unauthenticated)
 * @param contentType {@code Content-Type} header, or null (kept with quarantined bodies)
 * @param body        the raw body
 */
public record WebhookRequest(String pathEvent, Sender sender, String contentType, byte[] body) {
}
