package clinic.ingress.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import clinic.ingress.memory.MemoryItem;
import clinic.ingress.memory.MemoryLookup;

/**
 * The turn's memory document is written as text: it must read exactly as the Jackson tree it
 * replaced wrote it (consumers and the seal's secret take it byte for byte), whatever the memories
 * hold: quotes, backslashes, control characters, non-Latin text, a missing id or score.
 */
@Tag("fast")
class TurnJsonTest {

    private static final List<String> AWKWARD = List.of("", "plain", "aspas \" e \\ barra", "linha\nnova\ttab\r\b\f",
            "controle \u0001\u001f", "Conceição 日本語 \uD83D\uDE00", "lone \uD800", "</script>", "\u2028\u2029");

    @Test
    void theMemoryDocumentReadsAsTheTreeWroteIt() {
        List<MemoryItem> items = new ArrayList<>();
        for (int i = 0; i < AWKWARD.size(); i++) {
            items.add(new MemoryItem("id-" + AWKWARD.get(i), AWKWARD.get(i), i % 3 == 0 ? null : 0.125 * i - 0.5, null));
        }
        items.add(new MemoryItem(null, null, 1e-7, null));
        items.add(new MemoryItem("big", "score", 1.0E21, null));
        for (String state : List.of("fresh", "cached", "stale")) {
            MemoryLookup lookup = new MemoryLookup(state, items);
            assertThat(turn(lookup).fields().get("memory")).isEqualTo(tree(lookup));
        }
        assertThat(turn(MemoryLookup.NONE).fields().get("memory")).isEqualTo(tree(MemoryLookup.NONE))
                .isEqualTo("{\"state\":\"none\",\"items\":[]}");
    }

    @Test
    void theSealsSecretReadsAsTheTreeWroteIt() {
        for (String text : AWKWARD) {
            StringBuilder secret = new StringBuilder();
            JsonText.string(secret, text);
            ObjectNode tree = JsonNodeFactory.instance.objectNode().put("t", text);
            assertThat("{\"t\":" + secret + "}").isEqualTo(tree.toString());
        }
        assertThat(JsonText.string(new StringBuilder(), null)).hasToString("null");
        assertThat(JsonText.number(new StringBuilder(), Double.NaN))
                .hasToString(JsonNodeFactory.instance.numberNode(Double.NaN).toString());
    }

    /** The document as Turn built it before: a Jackson tree and its toString(). */
    private static String tree(MemoryLookup lookup) {
        ObjectNode json = JsonNodeFactory.instance.objectNode().put("state", lookup.state());
        var array = json.putArray("items");
        for (MemoryItem item : lookup.items()) {
            ObjectNode node = array.addObject().put("id", item.id()).put("memory", item.memory());
            if (item.score() != null) {
                node.put("score", item.score());
            }
        }
        return json.toString();
    }

    private static Turn turn(MemoryLookup lookup) {
        PendingTurn stored = new PendingTurn(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "s", "w", "i", "p",
                "text", OffsetDateTime.parse("2026-12-07T10:00:00Z"), "conversation", null, null);
        return new Turn(stored, "p_1", lookup, null);
    }
}
