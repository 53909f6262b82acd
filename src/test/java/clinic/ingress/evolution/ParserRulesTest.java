package clinic.ingress.evolution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The parser's rules as docs/architecture.md states them, without a server: a text message becomes
 * a message with its key, a clinic's own message is outbound, groups and other events are ignored
 * with a reason, a connection change is a line status, and a body that is not JSON is invalid.
 */
@Tag("fast")
class ParserRulesTest {

    private final EvolutionParser parser = new EvolutionParser(false, 1 << 20);

    @Test
    void aTextMessageIsAMessageKeyedByInstanceAndWhatsappId() {
        EvolutionEvent event = parse(null, upsert("5511987654321@s.whatsapp.net", false, "ABC1"));

        assertThat(event).isInstanceOf(EvolutionEvent.Message.class);
        InboundMessage message = ((EvolutionEvent.Message) event).message();
        assertThat(message.instanceName()).isEqualTo("clinica-a");
        assertThat(message.whatsappId()).isEqualTo("ABC1");
        assertThat(message.text()).isEqualTo("Dor de dente");
        assertThat(message.fromMe()).isFalse();
    }

    @Test
    void theClinicsOwnMessageIsStoredAsOutbound() {
        EvolutionEvent event = parse(null, upsert("5511987654321@s.whatsapp.net", true, "ABC2"));

        assertThat(((EvolutionEvent.Message) event).message().direction()).isEqualTo("outbound");
    }

    @Test
    void aGroupMessageIsIgnoredUnlessGroupsAreAccepted() {
        String group = upsert("120363025246125486@g.us", false, "G1").replace("\"id\": \"G1\"",
                "\"id\": \"G1\", \"participant\": \"5511987654321@s.whatsapp.net\"");

        assertThat(parse(null, group)).isInstanceOf(EvolutionEvent.Ignored.class);
        assertThat(new EvolutionParser(true, 1 << 20).parse(null, group.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(EvolutionEvent.Message.class);
    }

    @Test
    void aConnectionChangeIsALineStatus() {
        EvolutionEvent event = parse(null, """
                {"event": "connection.update", "instance": "clinica-a",
                 "data": {"instance": "clinica-a", "state": "close", "statusReason": 401},
                 "date_time": "2026-12-07T10:00:00.000Z"}""");

        assertThat(event).isInstanceOfSatisfying(EvolutionEvent.LineStatus.class, line -> {
            assertThat(line.instance()).isEqualTo("clinica-a");
            assertThat(line.state()).isEqualTo("close");
        });
    }

    @Test
    void anotherEventIsIgnoredAndABodyThatIsNotJsonIsInvalid() {
        assertThat(parse(null, "{\"event\": \"presence.update\", \"instance\": \"clinica-a\", \"data\": {}}"))
                .isInstanceOf(EvolutionEvent.Ignored.class);
        assertThat(parse(null, "{\"event\": ")).isInstanceOfSatisfying(EvolutionEvent.Invalid.class,
                invalid -> assertThat(invalid.reason()).isEqualTo("malformed-json"));
    }

    private EvolutionEvent parse(String pathEvent, String body) {
        return parser.parse(pathEvent, body.getBytes(StandardCharsets.UTF_8));
    }

    private static String upsert(String remoteJid, boolean fromMe, String id) {
        return """
                {"event": "messages.upsert", "instance": "clinica-a",
                 "data": {"key": {"remoteJid": "%s", "fromMe": %s, "id": "%s"},
                          "pushName": "Maria", "message": {"conversation": "Dor de dente"},
                          "messageType": "conversation", "messageTimestamp": 1733565600}}"""
                .formatted(remoteJid, fromMe, id);
    }
}
