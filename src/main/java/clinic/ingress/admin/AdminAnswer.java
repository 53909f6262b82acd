package clinic.ingress.admin;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What an admin operation answers, and what the audit keeps of it.
 *
 * @param status the HTTP status
 * @param body the JSON answer
 * @param target what the action was about, for the audit: an instance, an organization and a patient's
 *        pseudonym, a key pattern; never a phone number, name or message
 * @param result a short summary for the audit ("removed 3"); null for reads
 */
record AdminAnswer(int status, JsonNode body, String target, String result) {

    static AdminAnswer ok(JsonNode body, String target, String result) {
        return new AdminAnswer(200, body, target, result);
    }
}
