package clinic.ingress.conversation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Migrations;

/**
 * The seed's session_id fix (V7-V11) on a legacy database: every row kept, UUIDs converted
 * (upper-case ones too), values that are not UUIDs preserved, the foreign key enforced, the five
 * indexes valid, and a second run changing nothing; then the contract phase (the runbook that drops
 * session_id_legacy) gated, archiving what a uuid cannot hold. Runs Flyway on its own scratch database.
 */
class SessionIdMigrationTest {

    private static String url;
    private static final UUID VALID = UUID.fromString("3f1c2a52-8b7d-4c61-9d3e-2f5a6b7c8d90");
    private static final UUID DANGLING = UUID.fromString("7a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d");
    private static final String UPPER = "A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D";

    @BeforeEach
    void freshLegacyDatabase() throws SQLException {
        url = Db.recreate("clinic_ingress_migration_test");
        flyway("6").migrate();
        seedLegacyRows();
    }

    @Test
    void convertsKeepsEnforcesAndIsIdempotent() throws SQLException {

        int applied = flyway("11").migrate().migrationsExecuted;

        assertThat(applied).as("V7-V11, the session_id fix").isEqualTo(5);
        assertThat(rows("SELECT data_type FROM information_schema.columns WHERE table_schema = 'core' "
                + "AND table_name = 'whatsapp_conversations' AND column_name = 'session_id'"))
                .singleElement().satisfies(r -> assertThat(r).containsEntry("data_type", "uuid"));
        assertThat(count("SELECT count(*) FROM core.whatsapp_conversations")).isEqualTo(7);
        assertThat(session("valid")).containsEntry("session_id", VALID).containsEntry("session_id_legacy", VALID.toString());
        assertThat(session("upper")).containsEntry("session_id", UUID.fromString(UPPER)).containsEntry("session_id_legacy",
                UPPER);
        assertThat(session("dangling")).containsEntry("session_id", DANGLING);
        assertThat(session("invalid")).containsEntry("session_id", null).containsEntry("session_id_legacy", "sess_8f2a91");
        assertThat(session("empty")).containsEntry("session_id", null).containsEntry("session_id_legacy", "");
        assertThat(session("padded")).containsEntry("session_id", null).containsEntry("session_id_legacy", " " + VALID + " ");
        assertThat(session("null")).containsEntry("session_id", null).containsEntry("session_id_legacy", null);
        // The dangling reference kept its link: its session was created, and the key validated.
        assertThat(count("SELECT count(*) FROM healthcare.conversation_sessions WHERE id = '" + DANGLING + "'")).isEqualTo(1);
        assertThat(count(
                "SELECT count(*) FROM pg_constraint WHERE conname = 'whatsapp_conversations_session_id_fkey' AND convalidated"))
                .isEqualTo(1);
        assertThatThrownBy(() -> execute("INSERT INTO core.whatsapp_conversations (instance_name, patient_key, session_id) "
                + "VALUES ('i', 'new', '" + UUID.randomUUID() + "')"))
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23503"));
        assertThat(count(
                "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indisvalid AND c.relname IN ("
                        + "'idx_whatsapp_conversations_session_id', 'idx_conversation_logs_session_id', 'idx_conversation_logs_clinic_created', "
                        + "'idx_whatsapp_messages_org_created', 'idx_whatsapp_messages_whatsapp_id')"))
                .isEqualTo(5);

        String before = snapshot();
        assertThat(flyway("11").migrate().migrationsExecuted).isZero();
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void contractPhaseIsGatedArchivesWhatAUuidCannotHoldAndDropsTheColumn() throws Exception {
        flyway(null).migrate();
        String before = rows("SELECT patient_key, session_id::text AS s FROM core.whatsapp_conversations ORDER BY patient_key")
                .toString();

        assertThat(contract()).as("V9 ran just now: inside the 30-day window the gate stays closed").isEqualTo(3);
        assertThat(contract("--window-days", "0")).as("dry run").isZero();
        assertThat(legacyColumns()).as("a dry run changes nothing").isOne();

        assertThat(contract("--apply", "--window-days", "0")).isZero();

        assertThat(legacyColumns()).isZero();
        assertThat(rows("SELECT patient_key, session_id::text AS s FROM core.whatsapp_conversations ORDER BY patient_key")
                .toString()).as("every row and converted id kept").isEqualTo(before);
        assertThat(rows("SELECT c.patient_key, a.session_id_legacy FROM core.whatsapp_conversations_session_id_legacy a "
                + "JOIN core.whatsapp_conversations c ON c.id = a.conversation_id ORDER BY c.patient_key"))
                .as("only the values a uuid cannot hold are archived; upper-case UUIDs are the same uuid")
                .containsExactly(Map.of("patient_key", "empty", "session_id_legacy", ""),
                        Map.of("patient_key", "invalid", "session_id_legacy", "sess_8f2a91"),
                        Map.of("patient_key", "padded", "session_id_legacy", " " + VALID + " "));
        assertThat(contract("--apply", "--window-days", "0")).as("a second run finds the column gone").isZero();
        assertThat(flyway(null).migrate().migrationsExecuted).as("later migrations do not need the column").isZero();

        execute("DELETE FROM core.whatsapp_conversations WHERE patient_key = 'invalid'");
        assertThat(count("SELECT count(*) FROM core.whatsapp_conversations_session_id_legacy"))
                .as("an archived value goes with its conversation (erasure, retention)").isEqualTo(2);
    }

    /** Runs docs/runbooks/session-id/contract_session_id.sh on the scratch database; returns its exit code. */
    private static int contract(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("docs/runbooks/session-id/contract_session_id.sh"));
        command.addAll(List.of(arguments));
        var process = new ProcessBuilder(command).redirectErrorStream(true);
        process.environment()
                .putAll(Map.of("DATABASE_URL", url, "DATABASE_USERNAME", "postgres", "DATABASE_PASSWORD", "postgres"));
        Process running = process.start();
        String output = new String(running.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = running.waitFor();
        System.out.println(output);
        return exit;
    }

    private static long legacyColumns() {
        return count("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'core' "
                + "AND table_name = 'whatsapp_conversations' AND column_name = 'session_id_legacy'");
    }

    private static void seedLegacyRows() throws SQLException {
        execute("INSERT INTO healthcare.conversation_sessions (id) VALUES ('" + VALID + "'), ('" + UPPER.toLowerCase() + "')");
        String[][] legacy = {
                { "valid", "'" + VALID + "'" }, { "upper", "'" + UPPER + "'" }, { "dangling", "'" + DANGLING + "'" },
                { "invalid", "'sess_8f2a91'" }, { "empty", "''" }, { "padded", "' " + VALID + " '" }, { "null", "NULL" } };
        for (String[] row : legacy) {
            execute("INSERT INTO core.whatsapp_conversations (instance_name, patient_key, session_id) VALUES ('legacy', '"
                    + row[0] + "', " + row[1] + ")");
        }
    }

    private static Flyway flyway(String target) {
        return Migrations.flyway(url, target, false);
    }

    private static Map<String, Object> session(String patientKey) {
        return rows("SELECT session_id, session_id_legacy FROM core.whatsapp_conversations WHERE patient_key = '" + patientKey
                + "'").get(0);
    }

    private static String snapshot() {
        return rows("SELECT patient_key, session_id::text AS s, session_id_legacy AS l FROM core.whatsapp_conversations "
                + "ORDER BY patient_key").toString()
                + rows("SELECT id::text AS id FROM healthcare.conversation_sessions ORDER BY id");
    }

    private static long count(String sql) {
        return ((Number) rows(sql).get(0).values().iterator().next()).longValue();
    }

    private static List<Map<String, Object>> rows(String sql) {
        return Db.rowsIn(url, sql);
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

}
