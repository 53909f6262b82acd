package clinic.ingress.webhook;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.platform.Background;
import clinic.ingress.platform.Failures;
import clinic.ingress.platform.Secrets;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Keeps events that cannot be routed in {@code core.webhook_quarantine}: byte for byte up to
 * {@code ingress.quarantine.max-stored-bytes}, truncated beyond it (with the full length and
 * SHA-256, so the sender's copy can still be matched). A re-sent event with the same instance and
 * message id is kept once. Rows older than {@code ingress.quarantine.retention} are deleted in
 * batches, so an authenticated sender that keeps sending garbage cannot grow the table forever.
 */
@ApplicationScoped
public class QuarantineStore {

    private static final String INSERT = """
            INSERT INTO core.webhook_quarantine
                (reason, instance_name, event, whatsapp_message_id, content_type, raw, raw_length, raw_sha256)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (instance_name, whatsapp_message_id) WHERE whatsapp_message_id IS NOT NULL DO NOTHING""";

    // Oldest first along the primary key (ids grow with received_at), so each batch is found at once.
    private static final String PURGE = """
            DELETE FROM core.webhook_quarantine
            WHERE id IN (SELECT id FROM core.webhook_quarantine WHERE received_at < $1 ORDER BY id LIMIT $2)""";

    private final Pool pool;
    private final Background background;
    private final QuarantineConfig config;

    public QuarantineStore(Pool pool, Background background, QuarantineConfig config) {
        this.pool = pool;
        this.background = background;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        background.every(config.purgeInterval(), () -> purge().subscribe().with(
                deleted -> {
                    if (deleted > 0) {
                        Log.infof("quarantine: %d rows older than %s deleted", deleted, config.retention());
                    }
                },
                failure -> Log.warnf("quarantine purge failed (%s): next try in %s", Failures.describe(failure),
                        config.purgeInterval())));
    }

    public Uni<Void> keep(String reason, String instance, String event, String whatsappId, String contentType, byte[] raw) {
        int limit = (int) Math.min(Integer.MAX_VALUE, config.maxStoredBytes().asLongValue());
        byte[] stored = raw.length > limit ? Arrays.copyOf(raw, limit) : raw;
        return pool.preparedQuery(INSERT)
                .execute(Tuple.from(Arrays.asList(reason, instance, event, whatsappId, contentType,
                        Buffer.buffer(stored), (long) raw.length, HexFormat.of().formatHex(Secrets.sha256(raw)))))
                .replaceWithVoid();
    }

    /** Deletes rows past the retention, batch after batch; the number deleted. */
    public Uni<Integer> purge() {
        OffsetDateTime cutoff = OffsetDateTime.now(ZoneOffset.UTC).minus(config.retention());
        int batch = config.purgeBatch();
        return Multi.createBy().repeating()
                .uni(() -> pool.preparedQuery(PURGE).execute(Tuple.of(cutoff, batch)))
                .whilst(rows -> rows.rowCount() == batch)
                .map(rows -> rows.rowCount())
                .collect().with(Collectors.summingInt(Integer::intValue));
    }

}
