package clinic.ingress.erasure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.postgres.OutboxLeases;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * {@code core.patient_erasures} and the statements an erasure runs: its row (a durable job with a
 * lease, like the outboxes' rows), the patient's linked identities, and the one statement that
 * deletes the patient's rows everywhere in PostgreSQL.
 */
@ApplicationScoped
class ErasureRows {

    private static final String COLUMNS = """
            id, organization_id, instance_name, subject, subjects, patient_key, operator, requested_at, completed_at,
            removed::text AS removed""";
    /** A second request for a patient being erased gets the running erasure. */
    private static final String BEGIN = """
            WITH running AS (
                SELECT %1$s FROM core.patient_erasures
                WHERE completed_at IS NULL AND subjects && $5::text[]
                LIMIT 1
            ), begun AS (
                INSERT INTO core.patient_erasures
                    (id, organization_id, instance_name, subject, subjects, patient_key, operator, claimed_until, removed)
                SELECT $1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8), '{}'::jsonb
                WHERE NOT EXISTS (SELECT FROM running)
                RETURNING %1$s
            )
            SELECT * FROM begun UNION ALL SELECT * FROM running""".formatted(COLUMNS);
    private static final String FIND = "SELECT %s FROM core.patient_erasures WHERE id = $1".formatted(COLUMNS);
    /** An erasure whose replica died (its lease ran out): taken over, the oldest first. */
    private static final String CLAIM = """
            UPDATE core.patient_erasures SET claimed_until = now() + make_interval(secs => $1)
            WHERE id = (SELECT id FROM core.patient_erasures
                        WHERE completed_at IS NULL AND claimed_until < now()
                        ORDER BY claimed_until
                        LIMIT 1
                        FOR UPDATE SKIP LOCKED)
            RETURNING %s""".formatted(COLUMNS);
    private static final String PROGRESS = """
            UPDATE core.patient_erasures SET removed = $2::text::jsonb, claimed_until = now() + make_interval(secs => $3)
            WHERE id = $1 AND completed_at IS NULL""";
    private static final String COMPLETE = """
            UPDATE core.patient_erasures SET removed = $2::text::jsonb, completed_at = now(), patient_key = NULL,
                claimed_until = now()
            WHERE id = $1 AND completed_at IS NULL""";
    /** The instance's organization, active or not: a clinic that left still has its patients' data here. */
    private static final String ORGANIZATION = "SELECT organization_id FROM core.whatsapp_instances WHERE instance_name = $1";
    /** The organization's instances: an erasure covers the patient's chats with each of its clinics. */
    private static final String INSTANCES = "SELECT instance_name FROM core.whatsapp_instances WHERE organization_id = $1";
    /** A phone's LIDs and a LID's phones, as the organization's stored messages pair them. */
    private static final String LINKED = """
            SELECT DISTINCT patient_key, patient_lid FROM core.whatsapp_messages
            WHERE organization_id = $1 AND (patient_key = ANY($2) OR patient_lid = ANY($3))""";
    private static final String CONVERSATION_KEYS = """
            SELECT DISTINCT patient_key FROM core.whatsapp_conversations WHERE organization_id = $1""";

    /*
     * Everything of the patient, in one statement (one snapshot, one commit): their messages with
     * the rows that hang off them (log, both outboxes), their conversations with their sessions and
     * the sessions' log, the legacy duplicates, and quarantined bodies that carry one of their
     * numbers ($4: a regular expression of the numbers, digits only, as a whole number) from the
     * organization's instances or from no known instance. Legacy rows without patient_key are
     * matched by their remote JID.
     */
    private static final String DELETE = """
            WITH msg AS (
                DELETE FROM core.whatsapp_messages m
                WHERE m.organization_id = $1
                  AND (m.patient_key = ANY($2) OR m.patient_lid = ANY($3)
                       OR split_part(split_part(m.remote_jid, '@', 1), ':', 1) = ANY($5))
                RETURNING m.id
            ), conv AS (
                DELETE FROM core.whatsapp_conversations c
                WHERE c.organization_id = $1 AND c.patient_key = ANY($2)
                RETURNING c.session_id
            ), logs AS (
                DELETE FROM healthcare.conversation_logs l
                WHERE l.message_id IN (SELECT id FROM msg) OR l.session_id IN (SELECT session_id FROM conv)
                RETURNING 1
            ), sess AS (
                DELETE FROM healthcare.conversation_sessions s
                WHERE s.id IN (SELECT session_id FROM conv)
                RETURNING 1
            ), turns AS (
                DELETE FROM core.turn_outbox t WHERE t.message_id IN (SELECT id FROM msg) RETURNING 1
            ), adds AS (
                DELETE FROM core.memory_outbox o WHERE o.message_id IN (SELECT id FROM msg) RETURNING 1
            ), dup AS (
                DELETE FROM core.whatsapp_messages_duplicates d
                WHERE d.organization_id = $1
                  AND (d.patient_key = ANY($2) OR d.patient_lid = ANY($3)
                       OR split_part(split_part(d.remote_jid, '@', 1), ':', 1) = ANY($5))
                RETURNING 1
            ), quarantine AS (
                DELETE FROM core.webhook_quarantine q
                WHERE (q.instance_name = ANY($6) OR q.instance_name IS NULL
                       OR NOT EXISTS (SELECT FROM core.whatsapp_instances i WHERE i.instance_name = q.instance_name))
                  AND $4 <> '' AND encode(q.raw, 'escape') ~ $4
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM msg) AS messages, (SELECT count(*) FROM conv) AS conversations,
                   (SELECT count(*) FROM sess) AS sessions, (SELECT count(*) FROM logs) AS logs,
                   (SELECT count(*) FROM turns) AS turn_outbox, (SELECT count(*) FROM adds) AS memory_outbox,
                   (SELECT count(*) FROM dup) AS duplicates, (SELECT count(*) FROM quarantine) AS quarantine""";
    static final List<String> DELETED = List.of("messages", "conversations", "sessions", "logs", "turnOutbox",
            "memoryOutbox", "duplicates", "quarantine");

    private final Pool pool;

    ErasureRows(Pool pool) {
        this.pool = pool;
    }

    /** A new erasure, or the one already running for any of these subjects. */
    Uni<Erasure> begin(UUID id, UUID organization, String instance, String subject, List<String> subjects, Patient patient,
            String operator, Duration lease) {
        return pool.preparedQuery(BEGIN)
                .execute(Tuple.from(List.of(id, organization, instance, subject, subjects.toArray(String[]::new),
                        patient.format(), operator, OutboxLeases.seconds(lease))))
                .map(rows -> Erasure.from(rows.iterator().next()));
    }

    Uni<Erasure> find(UUID id) {
        return pool.preparedQuery(FIND)
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : Erasure.from(rows.iterator().next()));
    }

    /** An erasure left by a replica that died, now this one's; null when there is none. */
    Uni<Erasure> claimAbandoned(Duration lease) {
        return pool.preparedQuery(CLAIM)
                .execute(Tuple.of(OutboxLeases.seconds(lease)))
                .map(rows -> rows.size() == 0 ? null : Erasure.from(rows.iterator().next()));
    }

    /** Records what was removed so far, and renews the lease. */
    Uni<Void> progress(UUID id, Receipt removed, Duration lease) {
        return pool.preparedQuery(PROGRESS)
                .execute(Tuple.of(id, removed.toString(), OutboxLeases.seconds(lease)))
                .replaceWithVoid();
    }

    /** Done: the receipt stays, the patient's keys go. */
    Uni<Void> complete(UUID id, Receipt removed) {
        return pool.preparedQuery(COMPLETE)
                .execute(Tuple.of(id, removed.toString()))
                .replaceWithVoid();
    }

    /** The instance's organization, or null when the directory has no such instance. */
    Uni<UUID> organization(String instance) {
        return pool.preparedQuery(ORGANIZATION)
                .execute(Tuple.of(instance))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getUUID(0));
    }

    Uni<List<String>> instances(UUID organization) {
        return pool.preparedQuery(INSTANCES)
                .execute(Tuple.of(organization))
                .map(rows -> strings(rows, 0));
    }

    /** The identity keys the organization's messages pair with these (phone with LID, LID with phone). */
    Uni<Patient> linked(UUID organization, Patient patient) {
        return pool.preparedQuery(LINKED)
                .execute(Tuple.of(organization, patient.keys().toArray(String[]::new), patient.lids().toArray(String[]::new)))
                .map(rows -> {
                    List<String> keys = new ArrayList<>(patient.keys());
                    for (Row row : rows) {
                        keys.add(row.getString("patient_key"));
                        if (row.getString("patient_lid") != null) {
                            keys.add("lid:" + row.getString("patient_lid"));
                        }
                    }
                    return new Patient(keys, patient.pseudonyms());
                });
    }

    /** Every patient key of the organization's conversations (to find whose pseudonym an operator gave). */
    Uni<List<String>> conversationKeys(UUID organization) {
        return pool.preparedQuery(CONVERSATION_KEYS)
                .execute(Tuple.of(organization))
                .map(rows -> strings(rows, 0));
    }

    /** Deletes the patient's rows; what each place lost. */
    Uni<Receipt> delete(UUID organization, Patient patient, List<String> instances) {
        String numbers = patient.numbers().isEmpty() ? "" : "(^|[^0-9])(" + String.join("|", patient.numbers()) + ")([^0-9]|$)";
        return pool.preparedQuery(DELETE)
                .execute(Tuple.from(List.of(organization, patient.keys().toArray(String[]::new),
                        patient.lids().toArray(String[]::new), numbers, patient.numbers().toArray(String[]::new),
                        instances.toArray(String[]::new))))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    Receipt deleted = Receipt.empty();
                    for (int i = 0; i < DELETED.size(); i++) {
                        deleted.add(DELETED.get(i), row.getLong(i));
                    }
                    return deleted;
                });
    }

    private static List<String> strings(RowSet<Row> rows, int column) {
        List<String> values = new ArrayList<>(rows.size());
        rows.forEach(row -> values.add(row.getString(column)));
        return values;
    }
}
