package clinic.ingress.line;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Each instance's WhatsApp line as Evolution last reported it, in PostgreSQL ({@code core.instance_lines}),
 * so every replica sees the same: one statement per event, applied only if the event is newer than
 * the one the row holds (a late delivery of an older {@code open} does not undo a newer
 * {@code close}). Events are ordered by their own time (the envelope's {@code date_time}), but
 * {@code since}, what durations and the alert count from, is when the change arrived: Evolution
 * prints its local time with a {@code Z}, hours off UTC unless it runs in UTC, which orders one
 * server's events well and measures nothing. {@code since} moves only when the state changes. No
 * patient data.
 */
@ApplicationScoped
public class LineStates {

    /** A line as an operator sees it. */
    public record Line(String instance, String state, String reason, Instant since) {
    }

    /** The states a line is down in: patients' messages go unanswered. */
    public static final List<String> DOWN = List.of("close", "refused", "qrcode", "logout");

    private static final String RECORD = """
            INSERT INTO core.instance_lines AS l (instance_name, state, reason, since, event_at)
            VALUES ($1, $2, $3, now(), $4)
            ON CONFLICT (instance_name) DO UPDATE
                SET state = EXCLUDED.state,
                    reason = EXCLUDED.reason,
                    since = CASE WHEN l.state = EXCLUDED.state THEN l.since ELSE now() END,
                    event_at = EXCLUDED.event_at,
                    updated_at = now()
                WHERE EXCLUDED.event_at > l.event_at
            RETURNING state""";
    private static final String LIST = """
            SELECT l.instance_name, l.state, l.reason, l.since FROM core.instance_lines l
            JOIN core.whatsapp_instances i USING (instance_name)
            WHERE i.active AND ($1::text IS NULL OR l.state = $1)
            ORDER BY l.since""";

    private final Pool pool;

    public LineStates(Pool pool) {
        this.pool = pool;
    }

    /** Applies an event; true if the row took it (false: an older event delivered late). */
    public Uni<Boolean> record(String instance, String state, String reason, Instant at) {
        return pool.preparedQuery(RECORD)
                .execute(Tuple.of(instance, state, reason, OffsetDateTime.ofInstant(at, ZoneOffset.UTC)))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Active instances' lines in {@code state} (all states: null), the longest in it first. */
    public Uni<List<Line>> list(String state) {
        return pool.preparedQuery(LIST)
                .execute(Tuple.of(state))
                .map(rows -> {
                    List<Line> lines = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        lines.add(new Line(row.getString("instance_name"), row.getString("state"), row.getString("reason"),
                                row.getOffsetDateTime("since").toInstant()));
                    }
                    return lines;
                });
    }
}
