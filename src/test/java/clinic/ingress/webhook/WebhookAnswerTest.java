package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** A 2xx answer's body, written as text: valid JSON with exactly the fields that are set. */
@Tag("fast")
class WebhookAnswerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void eachAnswerIsTheJsonOfItsFields() throws Exception {
        UUID id = UUID.fromString("0193a5f2-7c1d-7e4b-9a2f-3c4d5e6f7a8b");
        assertThat(WebhookAnswer.accepted(id, "0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01", "cached").json()).isEqualTo(
                "{\"status\":\"accepted\",\"messageId\":\"0193a5f2-7c1d-7e4b-9a2f-3c4d5e6f7a8b\","
                        + "\"sessionId\":\"0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01\",\"memory\":\"cached\"}");
        assertThat(WebhookAnswer.duplicate().json()).isEqualTo("{\"status\":\"duplicate\"}");
        String reason = "unknown \"instance\" \\ \n";
        var quarantined = JSON.readTree(WebhookAnswer.quarantined(reason).json());
        assertThat(quarantined.path("status").asText()).isEqualTo("quarantined");
        assertThat(quarantined.path("reason").asText()).isEqualTo(reason);
        assertThat(quarantined.size()).isEqualTo(2);
    }
}
