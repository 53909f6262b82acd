package clinic.ingress.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Turns;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A turn stored but never published (the process died between the two steps) is published by the
 * relay. Simulated two ways: the publish after the store switched off by configuration, and a
 * pending row left in PostgreSQL by a process that is gone.
 */
@QuarkusTest
@TestProfile(RelayAfterCrashTest.PublishDropped.class)
class RelayAfterCrashTest {

    public static class PublishDropped implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ingress.dispatch.publish-after-store", "false",
                    "ingress.dispatch.relay-interval", "300ms",
                    "ingress.dispatch.relay-grace", "1s");
        }
    }

    @Inject
    RedisDataSource redis;

    @Test
    void storedButUnpublishedTurnsAreRelayed() {
        Db.TestClinic clinic = Db.clinic("relay");
        Map<String, Object> answer = TurnDispatchTest.post(Evolution.text(clinic.instance(), "5511955550003", "perdida?"));

        // A row a crashed process stored but never published.
        UUID orphan = UUID.randomUUID();
        Db.update("INSERT INTO core.whatsapp_messages (id, instance_name, whatsapp_message_id, organization_id, clinic_id, "
                + "patient_key, from_me, direction, body, message_timestamp, turn_state, created_at) "
                + "VALUES (?, ?, ?, ?, ?, '5511955550004', false, 'inbound', 'órfã', now(), 'pending', now() - interval '1 minute')",
                orphan, clinic.instance(), Evolution.newId(), clinic.organizationId(), clinic.clinicId());

        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> Turns.ofClinic(redis, clinic.clinicId()).size() == 2);
        assertThat(Turns.ofClinic(redis, clinic.clinicId())).extracting(t -> t.get("turnId"))
                .containsExactly(orphan.toString(), (String) answer.get("messageId"));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Db.count(
                "SELECT count(*) FROM core.whatsapp_messages WHERE clinic_id = ? AND turn_state = 'published'", clinic.clinicId()) == 2);
    }
}
