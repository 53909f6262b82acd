package clinic.ingress.webhook;

import java.nio.charset.StandardCharsets;

import clinic.ingress.evolution.EvolutionEvent;

/**
 * A webhook body as {@link WebhookRoute} read it: understood, reduced to what may be kept, and gone.
 *
 * @param event what the body is
 * @param redacted for a body that is not JSON, what quarantine may keep of it: its beginning with
 *        credential-like values and base64 runs blanked; null otherwise
 * @param length the body's size as received
 * @param sha256 hex SHA-256 of the body as received, so a quarantined copy can be matched with the
 *        sender's
 */
record Intake(EvolutionEvent event, byte[] redacted, long length, String sha256) {

    /** What quarantine may store: the body without credentials and media bytes (only asked for when quarantining). */
    byte[] kept() {
        String json = event instanceof EvolutionEvent.Message message ? message.message().rawJson()
                : event instanceof EvolutionEvent.Invalid invalid ? invalid.keptJson()
                        : null;
        return json != null ? json.getBytes(StandardCharsets.UTF_8) : redacted == null ? new byte[0] : redacted;
    }
}
