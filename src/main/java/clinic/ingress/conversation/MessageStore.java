package clinic.ingress.conversation;

import java.util.Arrays;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.clinic.Clinic;
import clinic.ingress.webhook.InboundMessage;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Stores a message exactly once, in one PostgreSQL round trip: the message row, the conversation of
 * the instance and patient, its session and the conversation log, as one statement (so one
 * transaction). The unique index on {@code (instance_name, whatsapp_message_id)} makes a re-sent
 * message, concurrent or not, insert nothing and return no row: a duplicate. An inbound message is
 * stored with its turn {@code pending}: the row is the turn's outbox (see dispatch).
 */
@ApplicationScoped
public class MessageStore {

    /*
     * $13 is a fresh session id offered to a new conversation; an existing conversation keeps its
     * session, and the session row is inserted only when the offer was taken. session_id is compared
     * as text and cast only when it is a UUID, because legacy rows hold varchar values that are not
     * (V5 converts the column and keeps those values aside).
     */
    private static final String STORE = """
            WITH msg AS (
                INSERT INTO core.whatsapp_messages
                    (instance_name, whatsapp_message_id, organization_id, clinic_id, remote_jid, patient_key,
                     patient_lid, from_me, direction, message_type, body, message_timestamp, raw, turn_state)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CAST($14::text AS jsonb),
                        CASE WHEN $8 THEN NULL ELSE 'pending' END)
                ON CONFLICT (instance_name, whatsapp_message_id) DO NOTHING
                RETURNING id, message_timestamp
            ), conv AS (
                INSERT INTO core.whatsapp_conversations AS c
                    (instance_name, patient_key, clinic_id, organization_id, session_id, last_message_at)
                SELECT $1, $6, $4, $3, $13::uuid, msg.message_timestamp FROM msg
                ON CONFLICT (instance_name, patient_key) DO UPDATE
                    SET last_message_at = GREATEST(c.last_message_at, EXCLUDED.last_message_at),
                        clinic_id = EXCLUDED.clinic_id,
                        organization_id = EXCLUDED.organization_id,
                        session_id = COALESCE(c.session_id, EXCLUDED.session_id)
                RETURNING c.id, c.session_id::text AS session_id
            ), sess AS (
                INSERT INTO healthcare.conversation_sessions (id, clinic_id, organization_id)
                SELECT $13::uuid, $4, $3 FROM conv WHERE conv.session_id = $13::text
                ON CONFLICT (id) DO NOTHING
            ), log AS (
                INSERT INTO healthcare.conversation_logs (session_id, clinic_id, message_id, role, created_at)
                SELECT CASE WHEN conv.session_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                            THEN conv.session_id::uuid END,
                       $4, msg.id, CASE WHEN $8 THEN 'clinic' ELSE 'patient' END, msg.message_timestamp
                FROM msg, conv
            )
            SELECT msg.id, conv.session_id FROM msg, conv""";

    private final Pool pool;

    public MessageStore(Pool pool) {
        this.pool = pool;
    }

    public Uni<StoredMessage> store(Clinic clinic, InboundMessage message) {
        Tuple params = Tuple.from(Arrays.asList(
                message.instanceName(),
                message.whatsappId(),
                clinic.organizationId(),
                clinic.clinicId(),
                message.remoteJid(),
                message.patient().key(),
                message.patient().lid(),
                message.fromMe(),
                message.direction(),
                message.messageType(),
                message.text(),
                message.messageTimestamp(),
                UUID.randomUUID(),
                message.rawJson()));
        return pool.preparedQuery(STORE)
                .execute(params)
                .map(rows -> rows.iterator().hasNext() ? from(rows.iterator().next()) : StoredMessage.duplicate());
    }

    private static StoredMessage from(Row row) {
        return new StoredMessage(row.getUUID("id"), row.getString("session_id"));
    }
}
