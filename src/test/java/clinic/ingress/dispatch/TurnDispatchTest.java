package clinic.ingress.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Turns;
import clinic.ingress.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * One turn per accepted inbound message, with the fields of the consumer contract; none for
 * fromMe, ignored events or duplicates.
 */
@QuarkusTest
class TurnDispatchTest {

    @Inject
    RedisDataSource redis;

    @Test
    void anAcceptedInboundMessageBecomesOneTurn() {
        Db.TestClinic clinic = Db.clinic("turns");
        Evolution event = Evolution.text(clinic.instance(), "5511955550001", "Posso remarcar para sexta?");
        event.data().put("messageTimestamp", 1761055391L);
        Map<String, Object> answer = Webhooks.answer(event);

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Turns.ofClinic(redis, clinic.clinicId()).size() == 1);
        Map<String, String> turn = Turns.ofClinic(redis, clinic.clinicId()).get(0);
        assertThat(turn).containsEntry("turnId", (String) answer.get("messageId"))
                .containsEntry("messageId", (String) answer.get("messageId"))
                .containsEntry("sessionId", (String) answer.get("sessionId"))
                .containsEntry("organization", clinic.organizationId().toString())
                .containsEntry("whatsappMessageId", event.id())
                .containsEntry("instance", clinic.instance())
                .containsEntry("text", "Posso remarcar para sexta?")
                .containsEntry("messageTimestamp", "2025-10-21T14:03:11Z")
                .containsEntry("memory", "{\"state\":\"none\",\"items\":[]}");
        assertThat(turn.get("patient")).matches("p_[0-9a-f]{64}").doesNotContain("5511955550001");
        // Published: the turn has left the outbox.
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Db.outbox(clinic.clinicId()) == 0);
    }

    @Test
    void noTurnForFromMeIgnoredOrDuplicates() {
        Db.TestClinic clinic = Db.clinic("no-turns");
        Evolution inbound = Evolution.text(clinic.instance(), "5511955550002", "oi");
        Webhooks.answer(inbound);
        Webhooks.answer(inbound);
        Webhooks.answer(Evolution.text(clinic.instance(), "5511955550002", "resposta da clínica").fromMe());
        Evolution status = Evolution.text(clinic.instance(), "5511955550002", "status");
        status.key().put("remoteJid", "status@broadcast");
        Webhooks.answer(status);
        Evolution connection = Evolution.event("connection.update", clinic.instance());
        connection.data().removeAll();
        connection.data().put("instance", clinic.instance()).put("state", "open");
        assertThat(Webhooks.answer(connection)).containsEntry("status", "recorded");

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Turns.ofClinic(redis, clinic.clinicId()).size() == 1);
        // The relay can only publish what is in the outbox: once the published turn has left it and
        // nothing else of this clinic is there, no further turn can ever appear.
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Db.outbox(clinic.clinicId()) == 0);
        assertThat(Db.count("SELECT count(*) FROM core.turn_outbox o JOIN core.whatsapp_messages m ON m.id = o.message_id "
                + "WHERE m.instance_name = ?", clinic.instance())).isZero();
        List<Map<String, String>> turns = Turns.ofClinic(redis, clinic.clinicId());
        assertThat(turns).singleElement().satisfies(t -> assertThat(t).containsEntry("whatsappMessageId", inbound.id()));
    }

}
