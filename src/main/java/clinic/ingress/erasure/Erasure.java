package clinic.ingress.erasure;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import io.vertx.mutiny.sqlclient.Row;

/**
 * One erasure, as {@code core.patient_erasures} keeps it.
 *
 * @param id the erasure's id (its receipt's, and its {@code erase} event's {@code turnId})
 * @param organizationId the organization whose copy of the patient is erased (memories are shared
 *        by its clinics, so an erasure covers all of them)
 * @param instance the instance it was asked through
 * @param subject the subject asked for: SHA-256 of the pseudonym
 * @param subjects every subject it covers (the patient's linked identities)
 * @param patient the patient's identity keys and pseudonyms while it runs, empty once done: never
 *        logged, never answered
 * @param operator who asked
 * @param requestedAt when
 * @param completedAt when it was done, or null while it runs
 * @param removed what it removed so far, counted per place
 */
public record Erasure(UUID id, UUID organizationId, String instance, String subject, List<String> subjects, Patient patient,
        String operator, Instant requestedAt, Instant completedAt, Receipt removed) {

    public boolean done() {
        return completedAt != null;
    }

    static Erasure from(Row row) {
        String[] subjects = row.getArrayOfStrings("subjects");
        return new Erasure(row.getUUID("id"), row.getUUID("organization_id"), row.getString("instance_name"),
                row.getString("subject"), subjects == null ? List.of(row.getString("subject")) : List.of(subjects),
                Patient.parse(row.getString("patient_key")), row.getString("operator"),
                row.getOffsetDateTime("requested_at").toInstant(),
                row.getOffsetDateTime("completed_at") == null ? null : row.getOffsetDateTime("completed_at").toInstant(),
                Receipt.parse(row.getString("removed")));
    }

    @Override
    public String toString() {
        return "Erasure[id=" + id + ", organization=" + organizationId + ", patient=<redacted>]";
    }
}
