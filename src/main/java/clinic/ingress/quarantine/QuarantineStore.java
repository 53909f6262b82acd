package clinic.ingress.quarantine;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.background.Background;
import clinic.ingress.background.Failures;
import clinic.ingress.credentials.Sender;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
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

    /** Quarantined because its instance was not in the directory: replayed once it is. */
    public static final String UNKNOWN_INSTANCE = "unknown-instance";

    private static final String INSERT = """
            INSERT INTO core.webhook_quarantine
                (reason, instance_name, event, whatsapp_message_id, content_type, raw, raw_length, raw_sha256,
                 sender_credential, sender_instance)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (instance_name, whatsapp_message_id) WHERE whatsapp_message_id IS NOT NULL DO NOTHING""";

    /*
     * One replica at a time replays an instance: a conditional upsert on its row in
     * core.quarantine_replays returns the row only to the replica whose lease it now is (one
     * statement, so it works through a transaction pooler, unlike an advisory lock).
     */
    private static final String TAKE_REPLAY = """
            INSERT INTO core.quarantine_replays AS r (instance_name, claimed_until)
            VALUES ($1, now() + make_interval(secs => $2))
            ON CONFLICT (instance_name) DO UPDATE SET claimed_until = EXCLUDED.claimed_until
            WHERE r.claimed_until < now()
            RETURNING instance_name""";
    private static final String RENEW_REPLAY = "UPDATE core.quarantine_replays SET claimed_until = now() + make_interval(secs => $2) WHERE instance_name = $1";
    private static final String END_REPLAY = "UPDATE core.quarantine_replays SET claimed_until = now() WHERE instance_name = $1";
    // In arrival order (ids grow with received_at), after the last one taken; the partial index of V16.
    private static final String PENDING = """
            SELECT id, raw, sender_credential, sender_instance FROM core.webhook_quarantine
            WHERE instance_name = $1 AND reason = 'unknown-instance' AND replayed_at IS NULL AND id > $2
            ORDER BY id
            LIMIT $3""";
    private static final String ANY_WAITING = """
            SELECT EXISTS (SELECT 1 FROM core.webhook_quarantine
                           WHERE instance_name = $1 AND reason = 'unknown-instance' AND replayed_at IS NULL)""";
    private static final String REPLAYED = "UPDATE core.webhook_quarantine SET replayed_at = now(), replay_outcome = $2 WHERE id = $1";
    private static final String WAITING_INSTANCES = """
            SELECT DISTINCT instance_name FROM core.webhook_quarantine
            WHERE reason = 'unknown-instance' AND replayed_at IS NULL AND instance_name IS NOT NULL""";
    private static final String COUNTS = """
            SELECT reason, count(*) AS quarantined,
                   count(replayed_at) FILTER (WHERE replay_outcome NOT LIKE 'refused%') AS replayed,
                   count(*) FILTER (WHERE replay_outcome LIKE 'refused%') AS refused
            FROM core.webhook_quarantine
            WHERE $1::text IS NULL OR instance_name = $1
            GROUP BY reason
            ORDER BY reason""";

    // Oldest first along the primary key (ids grow with received_at), so each batch is found at once.
    private static final String PURGE = """
            DELETE FROM core.webhook_quarantine
            WHERE id IN (SELECT id FROM core.webhook_quarantine WHERE received_at < $1 ORDER BY id LIMIT $2)""";

    private final Pool pool;
    private final Background background;
    private final QuarantineConfig config;
    private final UnknownInstances unknownInstances;

    public QuarantineStore(Pool pool, Background background, QuarantineConfig config) {
        this.pool = pool;
        this.background = background;
        this.config = config;
        this.unknownInstances = new UnknownInstances(config);
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

    /**
     * An event kept for a human or a replay.
     *
     * @param kept what may be stored of the body (no credential, no media bytes): truncated to
     *        max-stored-bytes
     * @param length the body's size as received
     * @param sha256 hex SHA-256 of the body as received
     * @param senderCredential how its sender was authenticated ({@link Sender.Kind#label}), or null (the
     *        service itself: a spooled message PostgreSQL refused)
     * @param senderInstance the instance whose own secret the sender presented, else null
     */
    public record Entry(String reason, String instance, String event, String whatsappId, String contentType, byte[] kept,
            long length, String sha256, String senderCredential, String senderInstance) {
    }

    /** A quarantined body waiting for its instance to be onboarded, with who sent it. */
    public record Waiting(long id, byte[] raw, String senderCredential, String senderInstance) {
    }

    /**
     * Rows by reason, how many a replay took through the store path, and how many it refused (their sender may not write as the
     * instance).
     */
    public record Count(String reason, long quarantined, long replayed, long refused) {
    }

    public Uni<Void> keep(Entry entry) {
        int limit = (int) Math.min(Integer.MAX_VALUE, config.maxStoredBytes().asLongValue());
        byte[] stored = entry.kept().length > limit ? Arrays.copyOf(entry.kept(), limit) : entry.kept();
        return pool.preparedQuery(INSERT)
                .execute(Tuple.from(Arrays.asList(entry.reason(), entry.instance(), entry.event(), entry.whatsappId(),
                        entry.contentType(), Buffer.buffer(stored), entry.length(), entry.sha256(), entry.senderCredential(),
                        entry.senderInstance())))
                .invoke(() -> {
                    if (UNKNOWN_INSTANCE.equals(entry.reason())) {
                        unknownInstances.quarantined(entry.instance(), entry.whatsappId());
                    }
                })
                .replaceWithVoid();
    }

    /** Whether this replica now holds {@code instance}'s replay, for {@code lease}. */
    public Uni<Boolean> takeReplay(String instance, Duration lease) {
        return pool.preparedQuery(TAKE_REPLAY)
                .execute(Tuple.of(instance, seconds(lease)))
                .map(rows -> rows.rowCount() == 1);
    }

    public Uni<Void> renewReplay(String instance, Duration lease) {
        return pool.preparedQuery(RENEW_REPLAY).execute(Tuple.of(instance, seconds(lease))).replaceWithVoid();
    }

    public Uni<Void> endReplay(String instance) {
        return pool.preparedQuery(END_REPLAY).execute(Tuple.of(instance)).replaceWithVoid();
    }

    /** Up to {@code limit} rows quarantined as unknown-instance and not replayed, after {@code afterId}, oldest first. */
    public Uni<List<Waiting>> waiting(String instance, long afterId, int limit) {
        return pool.preparedQuery(PENDING)
                .execute(Tuple.of(instance, afterId, limit))
                .map(rows -> {
                    List<Waiting> waiting = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        waiting.add(new Waiting(row.getLong("id"), row.getBuffer("raw").getBytes(),
                                row.getString("sender_credential"), row.getString("sender_instance")));
                    }
                    return waiting;
                });
    }

    /** Whether any message quarantined as unknown-instance waits for {@code instance}. */
    public Uni<Boolean> anyWaiting(String instance) {
        return pool.preparedQuery(ANY_WAITING)
                .execute(Tuple.of(instance))
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    public Uni<Void> replayed(long id, String outcome) {
        return pool.preparedQuery(REPLAYED).execute(Tuple.of(id, outcome)).replaceWithVoid();
    }

    /** Instances with messages waiting for them. */
    public Uni<List<String>> waitingInstances() {
        return pool.query(WAITING_INSTANCES)
                .execute()
                .map(rows -> {
                    List<String> instances = new ArrayList<>(rows.size());
                    rows.forEach(row -> instances.add(row.getString("instance_name")));
                    return instances;
                });
    }

    /** Counts by reason, for one instance or (null) all. */
    public Uni<List<Count>> counts(String instance) {
        return pool.preparedQuery(COUNTS)
                .execute(Tuple.of(instance))
                .map(rows -> {
                    List<Count> counts = new ArrayList<>(rows.size());
                    rows.forEach(row -> counts.add(new Count(row.getString("reason"), row.getLong("quarantined"),
                            row.getLong("replayed"), row.getLong("refused"))));
                    return counts;
                });
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
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
