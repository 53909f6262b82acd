package clinic.ingress.webhook;

import java.nio.charset.StandardCharsets;

import clinic.ingress.evolution.EvolutionEvent;
import clinic.ingress.quarantine.Redaction;

/**
 * A webhook body as {@link WebhookRoute} read it: understood, reduced to what may be kept, and gone.
 *
 * @param event what the body is
 * @param unparsed for a body that is not JSON, its beginning as received (up to what quarantine
 *        keeps), redacted only when kept; null otherwise
 * @param length the body's size as received
 * @param sha256 hex SHA-256 of the body as received, so a quarantined copy can be matched with the
 *        sender's
 */
record Intake(EvolutionEvent event, byte[] unparsed, long length, String sha256) {

    /**
     * What quarantine may store: the body without credentials and media bytes. Asked for only when
     * quarantining, after the sender is known: the redaction of a body that is not JSON runs there.
     */
    byte[] kept() {
        String json = event instanceof EvolutionEvent.Message message ? message.message().rawJson()
                : event instanceof EvolutionEvent.Invalid invalid ? invalid.keptJson()
                        : null;
        return json != null ? json.getBytes(StandardCharsets.UTF_8) : unparsed == null ? new byte[0] : Redaction.of(unparsed);
    }
}
