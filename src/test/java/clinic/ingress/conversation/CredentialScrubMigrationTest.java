package clinic.ingress.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Migrations;

/**
 * V17 on a database an earlier version filled: the instance token Evolution put in every body
 * ({@code apikey}) is removed from stored messages (jsonb), their legacy duplicates, and quarantined
 * bodies (bytea: valid JSON, truncated, not even UTF-8), the rest of each row kept byte for byte;
 * a second run changes nothing. Runs Flyway on its own scratch database, in batches of 5,000 over
 * more rows than one batch.
 */
class CredentialScrubMigrationTest {

    private static final String DATABASE = "clinic_ingress_scrub_test";
    private static String URL;
    private static final String TOKEN = "B6D711FCDE4D4FD5936544120E713976";

    @BeforeAll
    static void freshDatabase() {
        URL = Db.recreate(DATABASE);
    }

    @Test
    void storedTokensAreRemovedAndTheRestKept() throws SQLException {
        Migrations.flyway(URL, "16", false).migrate();
        try (Connection c = DriverManager.getConnection(URL, "postgres", "postgres"); Statement s = c.createStatement()) {
            // 12,000 messages (three batches), every one with the token; a few without.
            s.execute("INSERT INTO core.whatsapp_messages (instance_name, whatsapp_message_id, raw) "
                    + "SELECT 'scrub', 'M' || g, jsonb_build_object('event', 'messages.upsert', 'apikey', '" + TOKEN + "', "
                    + "'data', jsonb_build_object('n', g)) FROM generate_series(1, 12000) g");
            s.execute("INSERT INTO core.whatsapp_messages (instance_name, whatsapp_message_id, raw) "
                    + "SELECT 'scrub', 'CLEAN' || g, jsonb_build_object('event', 'messages.upsert') FROM generate_series(1, 10) g");
            s.execute("INSERT INTO core.whatsapp_messages_duplicates (id, instance_name, whatsapp_message_id, raw, created_at) "
                    + "VALUES (gen_random_uuid(), 'scrub', 'DUP', '{\"apikey\": \"" + TOKEN + "\", \"x\": 1}', now())");
        }
        List<byte[]> quarantined = List.of(
                ("{\"event\":\"messages.upsert\",\"apikey\":\"" + TOKEN + "\",\"instance\":\"q1\"}")
                        .getBytes(StandardCharsets.UTF_8),
                // truncated where it was kept: not JSON any more
                ("{\"instance\":\"q2\",\"apiKey\" : \"" + TOKEN + "\",\"data\":{\"message\":{\"conversation\":\"ol")
                        .getBytes(StandardCharsets.UTF_8),
                // not UTF-8 at all around the token
                concat(new byte[] { (byte) 0xff, (byte) 0xfe, 0x00 },
                        ("\"apikey\":\"" + TOKEN + "\"").getBytes(StandardCharsets.UTF_8),
                        new byte[] { (byte) 0xc3, 0x28 }));
        for (byte[] raw : quarantined) {
            insertQuarantined(raw);
        }

        assertThat(Migrations.flyway(URL, "17", false).migrate().migrationsExecuted).isEqualTo(1);

        assertThat(count("SELECT count(*) FROM core.whatsapp_messages WHERE raw ? 'apikey'")).isZero();
        assertThat(count("SELECT count(*) FROM core.whatsapp_messages WHERE raw->'data'->>'n' IS NOT NULL")).isEqualTo(12000);
        assertThat(count("SELECT count(*) FROM core.whatsapp_messages_duplicates WHERE raw ? 'apikey' OR raw->>'x' IS NULL"))
                .isZero();
        List<byte[]> after = quarantine();
        assertThat(after).hasSize(3).allSatisfy(raw -> assertThat(new String(raw, StandardCharsets.ISO_8859_1))
                .doesNotContain(TOKEN).contains("[removed]"));
        for (int i = 0; i < 3; i++) {
            String before = new String(quarantined.get(i), StandardCharsets.ISO_8859_1);
            assertThat(new String(after.get(i), StandardCharsets.ISO_8859_1)).as("the rest byte for byte")
                    .isEqualTo(before.replace(TOKEN, "[removed]"));
        }

        // Again: nothing left to scrub, nothing changed.
        try (Connection c = DriverManager.getConnection(URL, "postgres", "postgres"); Statement s = c.createStatement()) {
            s.execute("CALL core.scrub_stored_credentials(5000)");
        }
        assertThat(quarantine()).usingElementComparator((a, b) -> Arrays.equals(a, b) ? 0 : 1).isEqualTo(after);
    }

    /**
     * V18 on what V17 left: credentials nested at any depth and in any case in stored messages, and a
     * quarantined value cut off by truncation, are removed; everything else is kept.
     */
    @Test
    void v18RemovesCredentialsAtAnyDepthAndCutOffValues() throws SQLException {
        String url = Db.recreate(DATABASE + "_18");
        Migrations.flyway(url, "17", false).migrate();
        String nested = "{\"event\": \"messages.upsert\", \"data\": {\"API_KEY\": \"" + TOKEN
                + "\", \"key\": {\"id\": \"N1\"}, "
                + "\"list\": [{\"ApiKey\": \"" + TOKEN + "\", \"keep\": 1}, 2]}, \"apikeys\": \"kept\"}";
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement s = c.createStatement()) {
            s.execute("INSERT INTO core.whatsapp_messages (instance_name, whatsapp_message_id, raw) VALUES ('s18', 'N1', '"
                    + nested + "'), ('s18', 'CLEAN', '{\"event\": \"messages.upsert\", \"data\": {\"x\": [1, {\"y\": 2}]}}')");
            s.execute("INSERT INTO core.whatsapp_messages_duplicates (id, instance_name, whatsapp_message_id, raw, created_at) "
                    + "VALUES (gen_random_uuid(), 's18', 'DUP', '" + nested + "', now())");
        }
        byte[] cutOff = ("{\"instance\":\"q3\",\"data\":{\"Api_Key\": \"" + TOKEN.substring(0, 20))
                .getBytes(StandardCharsets.UTF_8);
        insertQuarantined(url, cutOff);

        assertThat(Migrations.flyway(url, null, false).migrate().migrationsExecuted).isGreaterThanOrEqualTo(1);

        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres");
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT whatsapp_message_id, raw::text FROM core.whatsapp_messages "
                        + "UNION ALL SELECT 'dup', raw::text FROM core.whatsapp_messages_duplicates ORDER BY 1")) {
            List<String> rows = new ArrayList<>();
            while (r.next()) {
                rows.add(r.getString(1) + " " + r.getString(2));
            }
            assertThat(rows).containsExactly(
                    "CLEAN {\"data\": {\"x\": [1, {\"y\": 2}]}, \"event\": \"messages.upsert\"}",
                    "N1 {\"data\": {\"key\": {\"id\": \"N1\"}, \"list\": [{\"keep\": 1}, 2]}, \"event\": \"messages.upsert\", "
                            + "\"apikeys\": \"kept\"}",
                    "dup {\"data\": {\"key\": {\"id\": \"N1\"}, \"list\": [{\"keep\": 1}, 2]}, \"event\": \"messages.upsert\", "
                            + "\"apikeys\": \"kept\"}");
        }
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres");
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT raw FROM core.webhook_quarantine")) {
            r.next();
            assertThat(new String(r.getBytes(1), StandardCharsets.ISO_8859_1))
                    .isEqualTo("{\"instance\":\"q3\",\"data\":{\"Api_Key\": \"[removed]");
            s.execute("CALL core.scrub_credentials_everywhere(5000)");
        }
    }

    private static void insertQuarantined(byte[] raw) throws SQLException {
        insertQuarantined(URL, raw);
    }

    private static void insertQuarantined(String url, byte[] raw) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres");
                PreparedStatement s = c
                        .prepareStatement("INSERT INTO core.webhook_quarantine (reason, raw) VALUES ('invalid-event', ?)")) {
            s.setBytes(1, raw);
            s.executeUpdate();
        }
    }

    private static List<byte[]> quarantine() throws SQLException {
        List<byte[]> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(URL, "postgres", "postgres");
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT raw FROM core.webhook_quarantine ORDER BY id")) {
            while (r.next()) {
                rows.add(r.getBytes(1));
            }
        }
        return rows;
    }

    private static long count(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, "postgres", "postgres");
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
