package clinic.ingress.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import clinic.ingress.clinic.Clinic;
import clinic.ingress.evolution.InboundMessage;
import clinic.ingress.evolution.Media;
import clinic.ingress.evolution.PatientIdentity;

/** What the spool keeps of a message comes back whole, and a tree it did not write does not come back at all. */
@Tag("fast")
class SpooledMessageTest {

    private static final Clinic CLINIC = new Clinic("clinica-1", UUID.randomUUID(), UUID.randomUUID(), "Clínica",
            "5511900000001",
            "ab".repeat(32));

    @Test
    void everyFieldTheStoreAndTheTurnNeedComesBack() {
        SpooledMessage spooled = new SpooledMessage(CLINIC,
                message(new Media("image/jpeg", 1234, "cd".repeat(32), true), "olá\u00e7"),
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", Instant.ofEpochMilli(1_765_000_000_123L));

        SpooledMessage back = SpooledMessage.fromJson(spooled.toJson());

        assertThat(back.message()).isEqualTo(spooled.message());
        assertThat(back.traceparent()).isEqualTo(spooled.traceparent());
        assertThat(back.receivedAt()).isEqualTo(spooled.receivedAt());
        // The instance token's hash is not kept: the drain does not authenticate anyone.
        assertThat(back.clinic()).isEqualTo(new Clinic(CLINIC.instanceName(), CLINIC.clinicId(), CLINIC.organizationId(),
                CLINIC.name(), CLINIC.whatsappNumber(), null));
        assertThat(SpooledMessage.fromJson(new SpooledMessage(CLINIC, message(null, null), null, Instant.EPOCH).toJson())
                .message().media()).isNull();
    }

    @Test
    void aTreeThisServiceDidNotWriteIsNotAMessage() {
        ObjectNode json = (ObjectNode) new SpooledMessage(CLINIC, message(null, "x"), null, Instant.EPOCH).toJson();
        assertThat(SpooledMessage.fromJson(json.deepCopy().put("format", 2))).isNull();
        ObjectNode otherInstance = json.deepCopy();
        ((ObjectNode) otherInstance.get("clinic")).put("instance", "another-clinic");
        assertThat(SpooledMessage.fromJson(otherInstance)).isNull();
        ObjectNode noPatient = json.deepCopy();
        ((ObjectNode) noPatient.get("message")).putNull("phone").putNull("lid");
        assertThat(SpooledMessage.fromJson(noPatient)).isNull();
        ObjectNode badTime = json.deepCopy();
        ((ObjectNode) badTime.get("message")).put("messageTimestamp", "yesterday");
        assertThat(SpooledMessage.fromJson(badTime)).isNull();
    }

    private static InboundMessage message(Media media, String text) {
        return new InboundMessage("clinica-1", "messages.upsert", "3EB0ABC", "5511987654321@s.whatsapp.net",
                new PatientIdentity("5511987654321", "2098765"), false, "imageMessage", text,
                OffsetDateTime.of(2026, 12, 7, 3, 0, 0, 0, ZoneOffset.UTC), media, "{\"event\":\"messages.upsert\"}");
    }
}
