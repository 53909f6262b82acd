package clinic.ingress.webhook;

/**
 * The parts of a webhook request the ingress looks at.
 *
 * @param pathEvent     event from the by-events URL suffix, or null
 * @param token         value of the configured token header, or null
 * @param authorization {@code Authorization} header, or null
 * @param contentType   {@code Content-Type} header, or null (kept with quarantined bodies)
 * @param body          the raw body
 */
public record WebhookRequest(String pathEvent, String token, String authorization, String contentType, byte[] body) {
}
