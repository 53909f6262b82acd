package clinic.ingress.webhook;

import clinic.ingress.credentials.Sender;

/**
 * A webhook as {@link WebhookRoute} handed it on: who sent it and what its body was.
 *
 * @param sender who the headers say the request is from
 * @param contentType {@code Content-Type} header, or null (kept with quarantined bodies)
 * @param intake the body, read and parsed
 */
record WebhookRequest(Sender sender, String contentType, Intake intake) {
}
