package clinic.ingress.dispatch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Management;
import clinic.ingress.support.Turns;
import clinic.ingress.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The relay publishes what was stored but never published: rows a process left in the outbox when
 * it died between the two steps, and rows an older version left pending on the message row. A turn
 * that can never be published does not hold back the ones behind it.
 */
@QuarkusTest
@TestProfile(OutboxRelayTest.QuickRelay.class)
class OutboxRelayTest {

    /** Rounds every 200 ms, two turns a round, and short leases, so several rounds fit in a test. */
    public static class QuickRelay implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ingress.dispatch.relay-interval", "200ms",
                    "ingress.dispatch.relay-grace", "1s",
                    "ingress.dispatch.relay-batch", "2",
                    "ingress.dispatch.relay-lease", "300ms",
                    "ingress.dispatch.relay-max-lease", "1s",
                    "ingress.dispatch.relay-stuck-attempts", "2");
        }
    }

    @Inject
    RedisDataSource redis;

    @Test
    void turnsLeftInTheOutboxByADeadProcessArePublished() {
        Db.TestClinic clinic = Db.clinic("relay");
        Map<String, Object> answer = Webhooks.answer(Evolution.text(clinic.instance(), "5511955550003", "perdida?"));
        UUID orphan = storedByADeadProcess(clinic, uuid(900), "5511955550004", "órfã");

        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> Turns.ofClinic(redis, clinic.clinicId()).size() == 2);
        assertThat(Turns.ofClinic(redis, clinic.clinicId())).extracting(t -> t.get("turnId"))
                .containsExactlyInAnyOrder(orphan.toString(), (String) answer.get("messageId"));
        assertThat(Turns.ofClinic(redis, clinic.clinicId())).filteredOn(t -> t.get("turnId").equals(orphan.toString()))
                .singleElement().satisfies(t -> assertThat(t).containsEntry("text", "órfã").containsEntry("memory",
                        "{\"state\":\"none\",\"items\":[]}"));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Db.outbox(clinic.clinicId()) == 0);
    }

    @Test
    void rowsAnOlderVersionLeftPendingAreAdopted() {
        Db.TestClinic clinic = Db.clinic("relay-legacy");
        UUID legacy = UUID.randomUUID();
        Db.update("INSERT INTO core.whatsapp_messages (id, instance_name, whatsapp_message_id, organization_id, clinic_id, "
                + "patient_key, from_me, direction, body, message_timestamp, turn_state, created_at) "
                + "VALUES (?, ?, ?, ?, ?, '5511955550005', false, 'inbound', 'antiga', now(), 'pending', now() - interval '1 minute')",
                legacy, clinic.instance(), Evolution.newId(), clinic.organizationId(), clinic.clinicId());

        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> Turns.ofClinic(redis, clinic.clinicId()).size() == 1);
        assertThat(Turns.ofClinic(redis, clinic.clinicId()).get(0)).containsEntry("turnId", legacy.toString());
        assertThat(Db.rows("SELECT turn_state FROM core.whatsapp_messages WHERE id = ?", legacy).get(0))
                .containsEntry("turn_state", "adopted");
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Db.outbox(clinic.clinicId()) == 0);
    }

    @Test
    void aTurnThatAlwaysFailsDoesNotHoldBackTheRest() {
        Db.TestClinic clinic = Db.clinic("relay-poison");
        // Legacy rows without a clinic cannot become a turn. Their ids sort first, so every round
        // would start with them if a failing turn kept its place.
        List<UUID> poison = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            UUID id = uuid(i);
            Db.update("INSERT INTO core.whatsapp_messages (id, instance_name, whatsapp_message_id, patient_key, from_me, "
                    + "direction, body, message_timestamp) VALUES (?, ?, ?, '5511955550006', false, 'inbound', 'sem clínica', now())",
                    id, clinic.instance(), Evolution.newId());
            Db.update("INSERT INTO core.turn_outbox (message_id, created_at, available_at) VALUES (?, now(), now())", id);
            poison.add(id);
        }
        List<String> good = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            good.add(storedByADeadProcess(clinic, uuid(100 + i), "551195555001" + i, "mensagem " + i).toString());
        }

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Turns.ofClinic(redis, clinic.clinicId()).size() == 6);
        assertThat(Turns.ofClinic(redis, clinic.clinicId())).extracting(t -> t.get("turnId"))
                .containsExactlyInAnyOrderElementsOf(good);
        // The failing rows are kept (nothing is dropped), retried less and less often, and counted as stuck.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Db.count(
                "SELECT count(*) FROM core.turn_outbox WHERE message_id IN (?, ?, ?) AND attempts >= 2",
                poison.toArray()) == 3);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> stuckTurns() >= 3);
        // Done: an operator would fix or remove them; so does the test, for the tests after it.
        Db.update("DELETE FROM core.turn_outbox WHERE message_id IN (?, ?, ?)", poison.toArray());
    }

    /** What a process that died right after its commit leaves: the message, its conversation and its outbox row. */
    private static UUID storedByADeadProcess(Db.TestClinic clinic, UUID id, String phone, String text) {
        Db.update("INSERT INTO core.whatsapp_messages (id, instance_name, whatsapp_message_id, organization_id, clinic_id, "
                + "patient_key, from_me, direction, body, message_timestamp) VALUES (?, ?, ?, ?, ?, ?, false, 'inbound', ?, now())",
                id, clinic.instance(), Evolution.newId(), clinic.organizationId(), clinic.clinicId(), phone, text);
        Db.update(
                "INSERT INTO core.turn_outbox (message_id, created_at, available_at) VALUES (?, now() - interval '1 minute', now())",
                id);
        return id;
    }

    /** An id that sorts by {@code order} before any id the service generates now (UUIDv7 carries the time first). */
    private static UUID uuid(long order) {
        return new UUID(order, ThreadLocalRandom.current().nextLong());
    }

    private static double stuckTurns() {
        String metrics = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(line -> line.startsWith("ingress_turns_stuck "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.indexOf(' ') + 1))).findFirst().orElse(0);
    }
}
