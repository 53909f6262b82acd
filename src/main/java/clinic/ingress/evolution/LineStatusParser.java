package clinic.ingress.evolution;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The line-status events, v1 and v2 alike: {@code connection.update} ({@code data.state}: open,
 * connecting, close, refused; {@code statusReason}: Baileys' disconnect code), {@code qrcode.updated}
 * (the line waits for a new QR scan; {@code statusCode} when the QR limit is hit),
 * {@code logout.instance} and {@code remove.instance}. Their time is the envelope's {@code date_time}
 * (the events carry none of their own), so a late delivery can be told from a newer one.
 */
final class LineStatusParser {

    private static final Set<String> CONNECTION_STATES = Set.of("open", "connecting", "close", "refused");

    private LineStatusParser() {
    }

    static EvolutionEvent parse(String instance, String event, JsonNode root, JsonNode data, String apikey, Clock clock) {
        Instant at = time(root.get("date_time"), clock);
        return switch (event) {
            case EventName.CONNECTION_UPDATE -> {
                String state = Json.text(data.get("state"));
                state = state == null ? null : state.trim().toLowerCase(Locale.ROOT);
                if (state == null || !CONNECTION_STATES.contains(state)) {
                    yield EvolutionEvent.Invalid.of(instance, event, null,
                            "data.state must be open, connecting, close or refused", apikey, root.toString());
                }
                yield new EvolutionEvent.LineStatus(instance, event, state, code(data.get("statusReason")), at, apikey);
            }
            case EventName.QRCODE_UPDATED -> new EvolutionEvent.LineStatus(instance, event, "qrcode",
                    code(data.get("statusCode")), at, apikey);
            case EventName.LOGOUT_INSTANCE -> new EvolutionEvent.LineStatus(instance, event, "logout", null, at, apikey);
            default -> new EvolutionEvent.LineStatus(instance, event, "removed", null, at, apikey);
        };
    }

    /** A numeric code (a number or a numeric string), at most 9 digits; null otherwise. */
    private static String code(JsonNode node) {
        String text = node == null ? null : node.isNumber() ? node.asText() : Json.text(node);
        if (text == null || text.isEmpty() || text.length() > 9) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!Character.isDigit(text.charAt(i))) {
                return null;
            }
        }
        return text;
    }

    private static Instant time(JsonNode node, Clock clock) {
        String text = Json.text(node);
        if (text != null) {
            try {
                return OffsetDateTime.parse(text.trim()).toInstant();
            } catch (DateTimeParseException e) {
                try {
                    return Instant.parse(text.trim());
                } catch (DateTimeParseException ignored) {
                    // no usable time: the time it arrived
                }
            }
        }
        return clock.instant();
    }
}
