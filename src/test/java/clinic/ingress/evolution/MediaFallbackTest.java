package clinic.ingress.evolution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A media field that is not standard base64 (a data: URL, escaped line breaks) is summarised from
 * its bytes as sent, read from the body a second time, never built as a string: its size and
 * SHA-256 are those of the bytes between its quotes.
 */
@Tag("fast")
class MediaFallbackTest {

    private final EvolutionParser parser = new EvolutionParser(false, 16 << 20);

    @Test
    void aDataUrlWithEscapesIsHashedAsSent() throws Exception {
        String media = "data:image/jpeg;base64,/9j/4AAQ\\nSkZJRg\\\\AB\\\"C" + "A".repeat(20_000) + "==";
        String body = "{\"event\":\"messages.upsert\",\"instance\":\"media-fallback\",\"data\":{\"key\":{\"id\":\"MF1\","
                + "\"remoteJid\":\"5511987654321@s.whatsapp.net\",\"fromMe\":false},\"messageType\":\"imageMessage\","
                + "\"message\":{\"imageMessage\":{\"mimetype\":\"image/jpeg\",\"caption\":\"exame\"},\"base64\":\"" + media
                + "\"}}}";

        EvolutionEvent event = parser.parse(null, body.getBytes(StandardCharsets.UTF_8));

        assertThat(event).isInstanceOf(EvolutionEvent.Message.class);
        InboundMessage message = ((EvolutionEvent.Message) event).message();
        JsonNode summary = new ObjectMapper().readTree(message.rawJson()).path("data").path("message").path("base64");
        byte[] sent = media.getBytes(StandardCharsets.UTF_8);
        assertThat(summary.path("omitted").asText()).isEqualTo("media");
        assertThat(summary.path("encoding").asText()).isEqualTo("text");
        assertThat(summary.path("bytes").asLong()).isEqualTo(sent.length);
        assertThat(summary.path("sha256").asText())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sent)));
        assertThat(message.rawJson()).doesNotContain("AAAAAAAA");
        assertThat(message.text()).isEqualTo("exame");
        assertThat(message.media().inBody()).isTrue();
    }
}
