package clinic.ingress.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Direct JDBC access to the test database, for arranging the clinic directory and checking what the
 * service stored. Works the same from {@code @QuarkusTest} and black-box {@code *IT} tests.
 */
public final class Db {

    public static final String URL = System.getProperty("test.jdbc.url",
            "jdbc:postgresql://127.0.0.1:5432/clinic_ingress_test");
    private static final String SERVER = URL.substring(0, URL.lastIndexOf('/') + 1);

    /** The database the helpers below work on: the tests' own, unless a test class chose its own. */
    private static volatile String current = URL;

    private Db() {
    }

    public static Connection connect() throws SQLException {
        return DriverManager.getConnection(current, "postgres", "postgres");
    }

    /**
     * Recreates {@code database} (empty: the service's migrations fill it) and points the helpers at it
     * until {@link #useTestDatabase()}. For black-box tests whose replicas must not share their outbox
     * with the service other *IT classes left running.
     */
    public static void useFreshDatabase(String database) {
        current = recreate(database);
    }

    /** Drops and creates {@code database} on the tests' server, empty; returns its JDBC URL. */
    public static String recreate(String database) {
        try (Connection c = DriverManager.getConnection(SERVER + "postgres", "postgres", "postgres")) {
            c.createStatement().execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            c.createStatement().execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return SERVER + database;
    }

    public static void useTestDatabase() {
        current = URL;
    }

    /** A clinic with one active instance; names are unique per call so tests never collide. */
    public static TestClinic clinic(String prefix) {
        return clinicOf(prefix + "-" + UUID.randomUUID().toString().substring(0, 8), false);
    }

    /**
     * A clinic for an instance name chosen before (one that sent messages before it was onboarded);
     * {@code quietly}: without the directory triggers, so no NOTIFY tells the service.
     */
    public static TestClinic clinicOf(String instance, boolean quietly) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        TestClinic clinic = new TestClinic(instance, UUID.randomUUID(), UUID.randomUUID(), "Clinic " + suffix);
        update(quietly, "INSERT INTO core.organizations (id, name) VALUES (?, ?)", clinic.organizationId(), "Org " + suffix);
        update(quietly, "INSERT INTO healthcare.clinics (id, organization_id, name, whatsapp_number) VALUES (?, ?, ?, ?)",
                clinic.clinicId(), clinic.organizationId(), clinic.name(), "5511900000000");
        update(quietly, "INSERT INTO core.whatsapp_instances (instance_name, clinic_id, organization_id, api_key_sha256) "
                + "VALUES (?, ?, ?, encode(sha256(convert_to(?, 'UTF8')), 'hex'))",
                clinic.instance(), clinic.clinicId(), clinic.organizationId(), TestClinic.APIKEY);
        return clinic;
    }

    /** Sets an instance's webhook secrets (stored as SHA-256 hex, as scripts/instance-secret.sh does); null clears. */
    public static void instanceSecrets(String instance, String current, String next) {
        update("UPDATE core.whatsapp_instances SET "
                + "webhook_secret_sha256 = encode(sha256(convert_to(?::text, 'UTF8')), 'hex'), "
                + "webhook_secret_next_sha256 = encode(sha256(convert_to(?::text, 'UTF8')), 'hex') "
                + "WHERE instance_name = ?",
                current, next, instance);
    }

    public static int update(String sql, Object... params) {
        return update(false, sql, params);
    }

    /** An update with triggers off for its session: no NOTIFY reaches the service (superuser only). */
    public static int updateWithoutTriggers(String sql, Object... params) {
        return update(true, sql, params);
    }

    private static int update(boolean triggersOff, String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
            if (triggersOff) {
                c.createStatement().execute("SET session_replication_role = replica");
            }
            bind(s, params);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<Map<String, Object>> rows(String sql, Object... params) {
        return rowsIn(current, sql, params);
    }

    /** Rows of a query in any local database (the migration test uses its own). */
    public static List<Map<String, Object>> rowsIn(String url, String sql, Object... params) {
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres");
                PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, params);
            try (ResultSet rs = s.executeQuery()) {
                List<Map<String, Object>> rows = new ArrayList<>();
                while (rs.next()) {
                    Map<String, Object> row = new HashMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    rows.add(row);
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code pg_dump --data-only} of the current database, as text: everything PostgreSQL holds, to
     * look for what must not be there.
     */
    public static String dump() {
        String database = current.substring(current.lastIndexOf('/') + 1);
        try {
            Process dump = new ProcessBuilder("pg_dump", "--data-only", "-h", "127.0.0.1", "-U", "postgres", database)
                    .redirectErrorStream(true).start();
            String text = new String(dump.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (dump.waitFor() != 0) {
                throw new IllegalStateException("pg_dump failed: " + text);
            }
            return text;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static long count(String sql, Object... params) {
        return ((Number) rows(sql, params).get(0).values().iterator().next()).longValue();
    }

    public static long messages(String instance) {
        return count("SELECT count(*) FROM core.whatsapp_messages WHERE instance_name = ?", instance);
    }

    public static long quarantined(String instance) {
        return count("SELECT count(*) FROM core.webhook_quarantine WHERE instance_name = ?", instance);
    }

    /** Turns of a clinic still waiting in the outbox. */
    public static long outbox(UUID clinicId) {
        return count("SELECT count(*) FROM core.turn_outbox o JOIN core.whatsapp_messages m ON m.id = o.message_id "
                + "WHERE m.clinic_id = ?", clinicId);
    }

    public static Map<String, Object> message(String instance, String whatsappId) {
        List<Map<String, Object>> rows = rows(
                "SELECT * FROM core.whatsapp_messages WHERE instance_name = ? AND whatsapp_message_id = ?",
                instance, whatsappId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private static void bind(PreparedStatement s, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            s.setObject(i + 1, params[i]);
        }
    }

    /** A clinic directory entry created for one test. */
    public record TestClinic(String instance, UUID clinicId, UUID organizationId, String name) {
        /** The Evolution instance token whose SHA-256 the directory stores. */
        public static final String APIKEY = "instance-token-for-tests";
    }
}
