package clinic.ingress.webhook;

import clinic.ingress.evolution.EvolutionEvent;

/**
 * A webhook body as {@link WebhookRoute} read it: understood, reduced to what may be kept, and gone.
 *
 * @param event  what the body is
 * @param kept   what quarantine may store: the body without credentials and media bytes, or for a
 *               body that is not JSON, its beginning with credential-like and base64 runs blanked
 * @param length the body's size as received
 * @param sha256 hex SHA-256 of the body as received, so a quarantined copy can be matched with the
 *               sender's
 */
record Intake(EvolutionEvent event, byte[] kept, long length, String sha256) {
}
