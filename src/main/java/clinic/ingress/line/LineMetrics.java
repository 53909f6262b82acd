package clinic.ingress.line;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.background.Background;
import clinic.ingress.background.Failures;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

/**
 * {@code ingress.lines{state}}: active instances per line state (no per-instance label: there may be
 * 10,000 of them), and {@code ingress.lines.down.longest.seconds}: how long the line down the longest
 * (close, refused, waiting for a QR scan, logged out) has been so, which alert {@code LineDown} watches.
 * Read from PostgreSQL every {@code ingress.lines.count-interval}; every replica reports the same.
 */
@Startup
@ApplicationScoped
public class LineMetrics {

    private static final String COUNT = """
            SELECT l.state, count(*) AS lines,
                   max(extract(epoch FROM now() - l.since)) FILTER (WHERE l.state = ANY ($1)) AS down_longest
            FROM core.instance_lines l JOIN core.whatsapp_instances i USING (instance_name)
            WHERE i.active
            GROUP BY l.state""";
    private static final java.util.List<String> STATES = java.util.List.of("open", "connecting", "close", "refused", "qrcode",
            "logout", "removed");

    private final Pool pool;
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final AtomicLong downLongest = new AtomicLong();
    private final Background background;
    private final LineConfig config;

    LineMetrics(Pool pool, Background background, LineConfig config, MeterRegistry registry) {
        this.pool = pool;
        this.background = background;
        this.config = config;
        for (String state : STATES) {
            AtomicLong count = new AtomicLong();
            counts.put(state, count);
            Gauge.builder("ingress.lines", count, AtomicLong::get)
                    .description("Active instances whose WhatsApp line is in this state")
                    .tag("state", state)
                    .register(registry);
        }
        Gauge.builder("ingress.lines.down.longest.seconds", downLongest, AtomicLong::get)
                .description("How long the line down the longest (close, refused, qrcode, logout) has been so")
                .baseUnit("seconds")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        background.every(config.countInterval(), this::count);
    }

    void count() {
        pool.preparedQuery(COUNT).execute(io.vertx.mutiny.sqlclient.Tuple.of(LineStates.DOWN.toArray(String[]::new)))
                .subscribe().with(rows -> {
                    counts.values().forEach(count -> count.set(0));
                    long longest = 0;
                    for (Row row : rows) {
                        AtomicLong count = counts.get(row.getString("state"));
                        if (count != null) {
                            count.set(row.getLong("lines"));
                        }
                        Number down = row.getNumeric("down_longest");
                        if (down != null) {
                            longest = Math.max(longest, down.longValue());
                        }
                    }
                    downLongest.set(longest);
                }, failure -> Log.debugf("lines not counted this round (%s)", Failures.describe(failure)));
    }
}
