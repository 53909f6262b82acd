package clinic.ingress.conversation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.dispatch.DispatchConfig;
import clinic.ingress.dispatch.PendingTurn;
import clinic.ingress.memory.Mem0Gateway;
import clinic.ingress.memory.MemoryConfig;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/**
 * Writes a batch of messages with one statement, so one round trip and one commit: the message rows,
 * one upsert per conversation touched (with the latest timestamp), its session when new, the
 * conversation log, one turn outbox row per inbound message and, with mem0 configured, one memory
 * outbox row per inbound message with text. The answers are those of sequential
 * delivery: the unique index on {@code (instance_name, whatsapp_message_id)} makes a message already
 * stored (now or by a concurrent batch) insert nothing, and a message twice in the batch is written
 * once, its later copies answered as duplicates.
 *
 * <p>
 * Rows are sent sorted by their idempotency key and conversations upserted in key order, so two
 * batches running at once always take their locks in the same order and cannot deadlock.
 *
 * <p>
 * When PostgreSQL refuses the batch because of one row's data (SQLSTATE classes 22 and 23: a
 * timestamp out of range, say), the batch is written again row by row: the other rows are stored,
 * the bad one is answered {@link StoredMessage.Status#REJECTED}. Any other failure fails the batch.
 */
@ApplicationScoped
public class MessageBatchWriter {

    /*
     * Parameters are arrays, one element per message, zipped back into rows by unnest. Timestamps go
     * as ISO-8601 text so that PostgreSQL, not the driver, judges their range (22008 for a year past
     * 294276). A new conversation is offered a fresh session; an existing one keeps its own, and the
     * session row is inserted only when the offer was taken. session_id is read as text and written
     * as a uuid, which works before, during and after the V7-V11 type change. The outbox row keeps
     * the webhook's traceparent for the relay, unnested again beside the ids: joining `input` instead
     * would make PostgreSQL materialise it, raw bodies included (scale-measure, standalone: 0.137 ms
     * of service CPU per message against 0.116 before V15; unnested again, 0.123 against 0.122). The
     * webhook's own publish names its publish span, so the answer returns none.
     */
    private static final String STORE = """
            WITH input AS (
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::text[], $7::text[],
                                     $8::text[], $9::boolean[], $10::text[], $11::text[], $12::text[], $13::text[],
                                     $18::text[])
                    AS i (id, instance_name, whatsapp_message_id, organization_id, clinic_id, remote_jid, patient_key,
                          patient_lid, from_me, message_type, body, message_timestamp, raw, media)
            ), msg AS (
                INSERT INTO core.whatsapp_messages
                    (id, instance_name, whatsapp_message_id, organization_id, clinic_id, remote_jid, patient_key,
                     patient_lid, from_me, direction, message_type, body, message_timestamp, raw, media)
                SELECT id, instance_name, whatsapp_message_id, organization_id, clinic_id, remote_jid, patient_key,
                       patient_lid, from_me, CASE WHEN from_me THEN 'outbound' ELSE 'inbound' END, message_type, body,
                       message_timestamp::timestamptz, raw::jsonb, media::jsonb
                FROM input
                ORDER BY instance_name, whatsapp_message_id
                ON CONFLICT (instance_name, whatsapp_message_id) DO NOTHING
                RETURNING id, instance_name, whatsapp_message_id, organization_id, clinic_id, patient_key, from_me,
                          body, message_timestamp, message_type, media
            ), latest AS (
                SELECT DISTINCT ON (instance_name, patient_key)
                       instance_name, patient_key, clinic_id, organization_id, message_timestamp,
                       gen_random_uuid() AS offered
                FROM msg
                ORDER BY instance_name, patient_key, message_timestamp DESC
            ), conv AS (
                INSERT INTO core.whatsapp_conversations AS c
                    (instance_name, patient_key, clinic_id, organization_id, session_id, last_message_at)
                SELECT instance_name, patient_key, clinic_id, organization_id, offered, message_timestamp
                FROM latest
                ORDER BY instance_name, patient_key
                ON CONFLICT (instance_name, patient_key) DO UPDATE
                    SET last_message_at = GREATEST(c.last_message_at, EXCLUDED.last_message_at),
                        clinic_id = EXCLUDED.clinic_id,
                        organization_id = EXCLUDED.organization_id,
                        session_id = COALESCE(c.session_id, EXCLUDED.session_id)
                RETURNING c.instance_name, c.patient_key, c.session_id::text AS session_id
            ), sess AS (
                INSERT INTO healthcare.conversation_sessions (id, clinic_id, organization_id)
                SELECT latest.offered, latest.clinic_id, latest.organization_id
                FROM latest JOIN conv USING (instance_name, patient_key)
                WHERE conv.session_id = latest.offered::text
                ON CONFLICT (id) DO NOTHING
            ), log AS (
                INSERT INTO healthcare.conversation_logs (session_id, clinic_id, message_id, role, created_at)
                SELECT core.as_uuid(conv.session_id), msg.clinic_id, msg.id,
                       CASE WHEN msg.from_me THEN 'clinic' ELSE 'patient' END, msg.message_timestamp
                FROM msg JOIN conv USING (instance_name, patient_key)
            ), outbox AS (
                INSERT INTO core.turn_outbox (message_id, available_at, traceparent)
                SELECT msg.id, now() + make_interval(secs => $14), trace.traceparent
                FROM msg JOIN unnest($1::uuid[], $17::text[]) AS trace (id, traceparent) USING (id)
                WHERE NOT msg.from_me
            ), memory_outbox AS (
                INSERT INTO core.memory_outbox (message_id, available_at)
                SELECT id, now() + make_interval(secs => $15) FROM msg
                WHERE $16 AND NOT from_me AND coalesce(btrim(body), '') <> ''
            )
            SELECT msg.id, msg.from_me, msg.clinic_id, msg.organization_id, conv.session_id, msg.whatsapp_message_id,
                   msg.instance_name, msg.patient_key, msg.body, msg.message_timestamp, msg.message_type,
                   msg.media::text AS media, NULL::text AS traceparent
            FROM msg JOIN conv USING (instance_name, patient_key)""";

    private static final Comparator<NewMessage> LOCK_ORDER = Comparator
            .comparing((NewMessage m) -> m.message().instanceName())
            .thenComparing(m -> m.message().whatsappId());

    private final Pool pool;
    private final DispatchConfig dispatch;
    private final MemoryConfig.Write memoryConfig;
    private final Mem0Gateway mem0;

    public MessageBatchWriter(Pool pool, DispatchConfig dispatch, MemoryConfig memorySettings, Mem0Gateway mem0) {
        this.pool = pool;
        this.dispatch = dispatch;
        this.memoryConfig = memorySettings.write();
        this.mem0 = mem0;
    }

    /** One answer per message, in the order given. */
    public Uni<List<StoredMessage>> write(List<NewMessage> batch) {
        // A message twice in the batch is written once; its later copies take the first one's answer.
        Map<String, Integer> firstCopy = new HashMap<>();
        int[] copyOf = new int[batch.size()];
        List<NewMessage> unique = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            NewMessage message = batch.get(i);
            Integer first = firstCopy.putIfAbsent(message.idempotencyKey(), i);
            copyOf[i] = first == null ? i : first;
            if (first == null) {
                unique.add(message);
            }
        }
        unique.sort(LOCK_ORDER);
        return writeUnique(unique)
                .map(answers -> {
                    List<StoredMessage> results = new ArrayList<>(batch.size());
                    for (int i = 0; i < batch.size(); i++) {
                        StoredMessage answer = answers.get(batch.get(copyOf[i]).id());
                        results.add(copyOf[i] != i && answer.status() == StoredMessage.Status.STORED
                                ? StoredMessage.duplicate()
                                : answer);
                    }
                    return results;
                });
    }

    /** Answers by message id. */
    private Uni<Map<UUID, StoredMessage>> writeUnique(List<NewMessage> unique) {
        return execute(unique)
                .onFailure(MessageBatchWriter::isDataError).recoverWithUni(failure -> unique.size() == 1
                        ? Uni.createFrom().item(Map.of(unique.get(0).id(), StoredMessage.rejected(sqlState(failure))))
                        : rowByRow(unique));
    }

    /** One row PostgreSQL refused: the others go in alone, so only the bad one is rejected. */
    private Uni<Map<UUID, StoredMessage>> rowByRow(List<NewMessage> unique) {
        return Multi.createFrom().iterable(unique)
                .onItem().transformToUniAndConcatenate(message -> writeUnique(List.of(message)))
                .collect().in(HashMap::new, Map::putAll);
    }

    private Uni<Map<UUID, StoredMessage>> execute(List<NewMessage> unique) {
        return pool.preparedQuery(STORE)
                .execute(parameters(unique))
                .map(rows -> {
                    Map<UUID, StoredMessage> answers = new HashMap<>();
                    for (Row row : rows) {
                        answers.put(row.getUUID("id"), StoredMessage.stored(row.getUUID("id"), row.getString("session_id"),
                                row.getBoolean("from_me") ? null : PendingTurn.from(row)));
                    }
                    for (NewMessage message : unique) {
                        answers.putIfAbsent(message.id(), StoredMessage.duplicate());
                    }
                    return answers;
                });
    }

    private Tuple parameters(List<NewMessage> unique) {
        int n = unique.size();
        UUID[] ids = new UUID[n];
        String[] instances = new String[n];
        String[] whatsappIds = new String[n];
        UUID[] organizations = new UUID[n];
        UUID[] clinics = new UUID[n];
        String[] remoteJids = new String[n];
        String[] patientKeys = new String[n];
        String[] patientLids = new String[n];
        Boolean[] fromMe = new Boolean[n];
        String[] types = new String[n];
        String[] bodies = new String[n];
        String[] timestamps = new String[n];
        String[] raws = new String[n];
        String[] traceparents = new String[n];
        String[] media = new String[n];
        for (int i = 0; i < n; i++) {
            NewMessage m = unique.get(i);
            ids[i] = m.id();
            instances[i] = m.message().instanceName();
            whatsappIds[i] = m.message().whatsappId();
            organizations[i] = m.clinic().organizationId();
            clinics[i] = m.clinic().clinicId();
            remoteJids[i] = m.message().remoteJid();
            patientKeys[i] = m.message().patient().key();
            patientLids[i] = m.message().patient().lid();
            fromMe[i] = m.message().fromMe();
            types[i] = m.message().messageType();
            bodies[i] = m.message().text();
            timestamps[i] = m.message().messageTimestamp().toString();
            raws[i] = m.message().rawJson();
            traceparents[i] = m.traceparent();
            media[i] = m.message().media() == null ? null : m.message().media().json();
        }
        double graceSeconds = dispatch.relayGrace().toMillis() / 1000.0;
        double memoryGraceSeconds = memoryConfig.writeGrace().toMillis() / 1000.0;
        return Tuple.from(List.of(ids, instances, whatsappIds, organizations, clinics, remoteJids, patientKeys,
                patientLids, fromMe, types, bodies, timestamps, raws, graceSeconds, memoryGraceSeconds, mem0.enabled(),
                traceparents, media));
    }

    /** PostgreSQL refused the data itself (classes 22 and 23): the same rows would fail again. */
    static boolean isDataError(Throwable failure) {
        String state = sqlState(failure);
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    private static String sqlState(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PgException pg) {
                return pg.getSqlState();
            }
        }
        return null;
    }
}
