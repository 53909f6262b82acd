package clinic.ingress.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.jboss.logging.Logger;

/**
 * Flyway callbacks that keep failed or changed migrations from going unnoticed.
 *
 * <ul>
 * <li><b>Before each migration</b>: a {@code CREATE INDEX CONCURRENTLY} that failed (lock timeout,
 * pod killed mid-build) leaves an INVALID index, and the rerun's {@code IF NOT EXISTS} would then
 * skip it while every {@code ON CONFLICT} on it fails. Invalid indexes in our schemas that no session
 * is building are dropped ({@code DROP INDEX CONCURRENTLY}) so the migration builds them again.</li>
 * <li><b>After migrating</b>: any index still INVALID in our schemas stops the start with its name:
 * loudly, instead of a service answering 503 to every webhook.</li>
 * <li><b>Before validating</b>: V2 was rewritten to move legacy duplicates in batches; databases that
 * ran its first text keep it (same schema), so that text's recorded checksum is accepted as the new
 * one instead of failing validation.</li>
 * </ul>
 * Each runs on a connection of its own in autocommit mode ({@code DROP INDEX CONCURRENTLY} cannot
 * run in a transaction).
 */
public class MigrationSafety implements Callback {

    private static final Logger LOG = Logger.getLogger(MigrationSafety.class);

    /** V2's checksum as its first text was recorded, and its current one. */
    static final int V2_FIRST_CHECKSUM = -392862749;
    /** Checked against the file by MigrationSafetyTest: change both together. */
    static final int V2_CHECKSUM = -922688052;

    private static final String INVALID = """
            SELECT n.nspname, c.relname
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE NOT i.indisvalid
              AND n.nspname IN ('core', 'healthcare')
              AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid)""";

    private final int v2Checksum;

    public MigrationSafety() {
        this(V2_CHECKSUM);
    }

    MigrationSafety(int v2Checksum) {
        this.v2Checksum = v2Checksum;
    }

    @Override
    public boolean supports(Event event, Context context) {
        return event == Event.BEFORE_VALIDATE || event == Event.BEFORE_EACH_MIGRATE || event == Event.AFTER_MIGRATE;
    }

    @Override
    public boolean canHandleInTransaction(Event event, Context context) {
        return true; // works on its own connection
    }

    @Override
    public void handle(Event event, Context context) {
        try (Connection connection = context.getConfiguration().getDataSource().getConnection()) {
            connection.setAutoCommit(true);
            switch (event) {
                case BEFORE_VALIDATE -> acceptFirstV2(connection, context);
                case BEFORE_EACH_MIGRATE -> dropInvalidIndexes(connection);
                case AFTER_MIGRATE -> requireValidIndexes(connection);
                default -> {
                }
            }
        } catch (SQLException e) {
            throw new FlywayException("migration safety check failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String getCallbackName() {
        return "clinic-ingress-migration-safety";
    }

    private void acceptFirstV2(Connection connection, Context context) throws SQLException {
        if (v2Checksum == 0) {
            return;
        }
        String table = quote(context.getConfiguration().getDefaultSchema()) + "."
                + quote(context.getConfiguration().getTable());
        if (!exists(connection, context.getConfiguration().getDefaultSchema(), context.getConfiguration().getTable())) {
            return;
        }
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE " + table + " SET checksum = ? WHERE version = '2' AND checksum = ?")) {
            update.setInt(1, v2Checksum);
            update.setInt(2, V2_FIRST_CHECKSUM);
            if (update.executeUpdate() > 0) {
                LOG.info("V2 was applied in its first form: its checksum is updated to the batched version's");
            }
        }
    }

    private static void dropInvalidIndexes(Connection connection) throws SQLException {
        for (String index : invalidIndexes(connection)) {
            LOG.warnf("dropping INVALID index %s left by a failed concurrent build; the migration builds it again", index);
            try (Statement drop = connection.createStatement()) {
                drop.execute("SET lock_timeout = '5s'");
                drop.execute("DROP INDEX CONCURRENTLY IF EXISTS " + index);
            }
        }
    }

    private static void requireValidIndexes(Connection connection) throws SQLException {
        List<String> invalid = invalidIndexes(connection);
        if (!invalid.isEmpty()) {
            throw new FlywayException("INVALID indexes after migrating: " + String.join(", ", invalid)
                    + ". A concurrent build failed; drop them with DROP INDEX CONCURRENTLY, run `flyway repair` "
                    + "if a migration is marked failed, and start again");
        }
    }

    private static List<String> invalidIndexes(Connection connection) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement query = connection.createStatement(); ResultSet rows = query.executeQuery(INVALID)) {
            while (rows.next()) {
                names.add(quote(rows.getString(1)) + "." + quote(rows.getString(2)));
            }
        }
        return names;
    }

    private static boolean exists(Connection connection, String schema, String table) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?")) {
            query.setString(1, schema);
            query.setString(2, table);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
