package clinic.ingress.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Migrations;

/**
 * Failed and changed migrations on a scratch database of their own: an INVALID index left by a
 * failed concurrent build is rebuilt by the rerun, one that survives stops the start, V2 moves
 * legacy duplicates in batches, and a database that ran V2's first text still validates.
 */
class MigrationSafetyTest {

    private static String url;

    @BeforeEach
    void freshDatabase() {
        url = Db.recreate("clinic_ingress_migration_safety_test");
    }

    @Test
    void theRecordedV2ChecksumIsTheFilesOwn() {
        MigrationInfo v2 = Arrays.stream(flyway(null, false).info().all())
                .filter(m -> "2".equals(m.getVersion().getVersion())).findFirst().orElseThrow();
        assertThat(v2.getChecksum()).isEqualTo(MigrationSafety.V2_CHECKSUM);
    }

    @Test
    void legacyDuplicatesAreMovedInBatchesKeepingTheEarliest() throws SQLException {
        flyway("1", false).migrate();
        // 6,000 messages sent twice and 1,000 sent once: more duplicates than one batch holds.
        execute("""
                INSERT INTO core.whatsapp_messages (instance_name, whatsapp_message_id, body, created_at)
                SELECT 'legacy', 'm' || g, 'first', now() - interval '1 hour' FROM generate_series(1, 7000) g""");
        execute("""
                INSERT INTO core.whatsapp_messages (instance_name, whatsapp_message_id, body, created_at)
                SELECT 'legacy', 'm' || g, 'copy', now() FROM generate_series(1, 6000) g""");

        flyway("3", false).migrate();

        assertThat(count("SELECT count(*) FROM core.whatsapp_messages")).isEqualTo(7000);
        assertThat(count("SELECT count(*) FROM core.whatsapp_messages WHERE body = 'copy'")).isZero();
        assertThat(count("SELECT count(*) FROM core.whatsapp_messages_duplicates WHERE body = 'copy'")).isEqualTo(6000);
        assertThat(count("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                + "WHERE c.relname = 'whatsapp_messages_instance_message_key' AND i.indisvalid")).isEqualTo(1);
    }

    @Test
    void anInvalidIndexLeftByAFailedConcurrentBuildIsRebuilt() throws SQLException {
        flyway(null, false).migrate();
        // What a killed or timed-out CREATE UNIQUE INDEX CONCURRENTLY leaves, with V3 to run again.
        invalidate("whatsapp_messages_instance_message_key");
        execute("DELETE FROM core.flyway_schema_history WHERE version = '3'");

        int applied = flyway(null, true).migrate().migrationsExecuted;

        assertThat(applied).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                + "WHERE c.relname = 'whatsapp_messages_instance_message_key' AND i.indisvalid")).isEqualTo(1);
    }

    @Test
    void anIndexStillInvalidAfterMigratingStopsTheStart() throws SQLException {
        flyway(null, false).migrate();
        invalidate("idx_whatsapp_messages_org_created");

        assertThatThrownBy(() -> flyway(null, false).migrate())
                .isInstanceOf(FlywayException.class)
                .hasMessageContaining("INVALID indexes after migrating")
                .hasMessageContaining("idx_whatsapp_messages_org_created");
    }

    @Test
    void aDatabaseThatRanTheFirstV2StillValidates() throws SQLException {
        flyway(null, false).migrate();
        execute("UPDATE core.flyway_schema_history SET checksum = " + MigrationSafety.V2_FIRST_CHECKSUM
                + " WHERE version = '2'");

        flyway(null, false).validate();

        assertThat(count("SELECT checksum FROM core.flyway_schema_history WHERE version = '2'"))
                .isEqualTo(MigrationSafety.V2_CHECKSUM);
    }

    private static Flyway flyway(String target, boolean outOfOrder) {
        return Migrations.flyway(url, target, outOfOrder);
    }

    private static void invalidate(String index) throws SQLException {
        execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = (SELECT oid FROM pg_class WHERE relname = '"
                + index + "')");
    }

    private static long count(String sql) {
        return ((Number) Db.rowsIn(url, sql).get(0).values().iterator().next()).longValue();
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
