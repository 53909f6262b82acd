package clinic.ingress.webhook;

import java.util.Arrays;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Keeps events that cannot be routed, byte for byte, in {@code core.webhook_quarantine}. A re-sent
 * event with the same instance and message id is kept once.
 */
@ApplicationScoped
public class QuarantineStore {

    private static final String INSERT = """
            INSERT INTO core.webhook_quarantine (reason, instance_name, event, whatsapp_message_id, content_type, raw)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (instance_name, whatsapp_message_id) WHERE whatsapp_message_id IS NOT NULL DO NOTHING""";

    private final Pool pool;

    public QuarantineStore(Pool pool) {
        this.pool = pool;
    }

    public Uni<Void> keep(String reason, String instance, String event, String whatsappId, String contentType, byte[] raw) {
        return pool.preparedQuery(INSERT)
                .execute(io.vertx.mutiny.sqlclient.Tuple.from(Arrays.asList(
                        reason, instance, event, whatsappId, contentType, Buffer.buffer(raw))))
                .replaceWithVoid();
    }
}
