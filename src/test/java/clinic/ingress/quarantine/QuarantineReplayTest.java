package clinic.ingress.quarantine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

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
import io.restassured.RestAssured;
import io.restassured.http.ContentType;

/**
 * Messages that arrive before their instance is onboarded are quarantined (202), then delivered:
 * automatically when the instance joins the directory, or by the admin endpoint; through the store,
 * memory and turn path of a live webhook, in arrival order, once.
 */
@QuarkusTest
class QuarantineReplayTest {

    @Inject
    RedisDataSource redis;

    /**
     * Provenance: what the global token left for an instance not onboarded yet is refused once the
     * instance joins with a secret of its own (anyone holding the global token could have planted it);
     * what the instance sent with its own secret while it was inactive is stored.
     */
    @Test
    void plantedMessagesAreRefusedAndTheInstancesOwnAreStored() {
        String instance = "provenance-" + Evolution.newId().toLowerCase();
        String secret = "own-secret-" + Evolution.newId();
        Evolution planted = Evolution.text(instance, "5511999990003", "plantada");
        Webhooks.post(planted).statusCode(202).body("status", equalTo("quarantined"));

        // The instance is created inactive with its own secret; its line sends with that secret.
        Db.clinicOf(instance, true);
        Db.updateWithoutTriggers("UPDATE core.whatsapp_instances SET active = false WHERE instance_name = ?", instance);
        Db.instanceSecrets(instance, secret, null);
        Evolution own = Evolution.text(instance, "5511999990004", "legítima");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> RestAssured.given()
                .header(Evolution.TOKEN_HEADER, secret).contentType(ContentType.JSON).body(own.json())
                .post(Webhooks.PATH).statusCode() == 202);

        Db.update("UPDATE core.whatsapp_instances SET active = true WHERE instance_name = ?", instance);

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Db.count("SELECT count(*) FROM core.webhook_quarantine "
                + "WHERE instance_name = ? AND replayed_at IS NOT NULL", instance) == 2);
        assertThat(Db.rows("SELECT body FROM core.whatsapp_messages WHERE instance_name = ?", instance))
                .extracting(row -> row.get("body")).containsExactly("legítima");
        assertThat(Db.rows("SELECT whatsapp_message_id, replay_outcome, sender_credential FROM core.webhook_quarantine "
                + "WHERE instance_name = ? ORDER BY id", instance)).containsExactly(
                        Map.of("whatsapp_message_id", planted.id(), "replay_outcome", "refused:global-token",
                                "sender_credential", "global-token"),
                        Map.of("whatsapp_message_id", own.id(), "replay_outcome", "stored",
                                "sender_credential", "instance-secret"));
        admin().queryParam("instance", instance).get("/admin/quarantine").then().statusCode(200)
                .body("reasons[0].refused", equalTo(1)).body("reasons[0].replayed", equalTo(1));
    }

    @Test
    void onboardingAnInstanceDeliversWhatWaitedForIt() {
        String instance = "onboarding-" + Evolution.newId().toLowerCase();
        List<Evolution> early = List.of(
                Evolution.text(instance, "5511999990001", "primeira"),
                Evolution.text(instance, "5511999990001", "segunda"),
                Evolution.text(instance, "5511999990002", "outra pessoa"));
        for (Evolution event : early) {
            Webhooks.post(event).statusCode(202).body("status", equalTo("quarantined"));
        }

        Db.TestClinic clinic = Db.clinicOf(instance, false);

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Db.messages(instance) == 3);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Turns.ofClinic(redis, clinic.clinicId()).size() == 3);
        // One chat's messages were stored in the order they arrived (message ids are time-ordered).
        List<Object> bodies = Db.rows("SELECT body FROM core.whatsapp_messages WHERE instance_name = ? AND patient_key = ? "
                + "ORDER BY id", instance, "5511999990001").stream().map(row -> row.get("body")).collect(Collectors.toList());
        assertThat(bodies).containsExactly("primeira", "segunda");
        assertThat(Db.count("SELECT count(*) FROM core.webhook_quarantine WHERE instance_name = ? AND replayed_at IS NOT NULL "
                + "AND replay_outcome = 'stored'", instance)).isEqualTo(3);

        // Again: nothing left to replay, nothing stored twice.
        admin().body("{\"instance\": \"" + instance + "\"}").post("/admin/quarantine/replay").then().statusCode(200)
                .body("replayed", equalTo(0)).body("stored", equalTo(0));
        assertThat(Db.messages(instance)).isEqualTo(3);
    }

    @Test
    void theEndpointReplaysOnDemandAndASecondReplayIsANoOp() {
        String instance = "quiet-onboarding-" + Evolution.newId().toLowerCase();
        Evolution first = Evolution.text(instance, "5511999990003", "olá");
        Webhooks.post(first).statusCode(202);
        Webhooks.post(Evolution.text(instance, "5511999990004", "bom dia")).statusCode(202);
        admin().body("{\"instance\": \"" + instance + "\"}").post("/admin/quarantine/replay").then().statusCode(404)
                .contentType("application/problem+json");
        // Onboarded without a notification (the triggers off): only the endpoint or the sweep can tell.
        Db.clinicOf(instance, true);

        admin().body("{\"instance\": \"" + instance + "\"}").post("/admin/quarantine/replay").then().statusCode(200)
                .body("replayed", equalTo(2)).body("stored", equalTo(2)).body("duplicates", equalTo(0))
                .body("failed", equalTo(0));
        admin().body("{\"instance\": \"" + instance + "\"}").post("/admin/quarantine/replay").then().statusCode(200)
                .body("replayed", equalTo(0));
        // Evolution re-sending it now finds it stored.
        Webhooks.post(first).statusCode(200).body("status", equalTo("duplicate"));
        assertThat(Db.messages(instance)).isEqualTo(2);

        Map<String, Object> counts = admin().queryParam("instance", instance).get("/admin/quarantine").then().statusCode(200)
                .extract().jsonPath().getMap("reasons[0]");
        assertThat(counts).containsEntry("reason", "unknown-instance").containsEntry("quarantined", 2).containsEntry("replayed",
                2);
    }

    private static io.restassured.specification.RequestSpecification admin() {
        return Management.admin();
    }
}
