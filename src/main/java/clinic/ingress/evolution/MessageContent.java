package clinic.ingress.evolution;

import java.util.Iterator;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a Baileys {@code proto.IMessage} says, whatever its kind: its type and its text (text,
 * caption, transcription, reaction or reply), through the wrappers Evolution versions use.
 */
final class MessageContent {

    /** Keys of {@code message} that are not its content. */
    private static final Set<String> NOT_CONTENT = Set.of("messageContextInfo", "base64", "mediaUrl", "speechToText");
    /** Wrappers whose {@code message} holds the real content. */
    private static final String[] WRAPPERS = {
            "ephemeralMessage", "viewOnceMessage", "viewOnceMessageV2", "viewOnceMessageV2Extension",
            "documentWithCaptionMessage", "editedMessage" };
    private static final String[] CAPTIONED = { "imageMessage", "videoMessage", "documentMessage" };

    private MessageContent() {
    }

    /** Evolution's {@code messageType}, or the content key of {@code message}, or "unknown". */
    static String type(JsonNode data, JsonNode message) {
        String declared = Json.text(data.get("messageType"));
        if (declared != null && !declared.isBlank()) {
            return declared;
        }
        if (message != null && message.isObject()) {
            for (Iterator<String> names = message.fieldNames(); names.hasNext();) {
                String name = names.next();
                if (!NOT_CONTENT.contains(name)) {
                    return name;
                }
            }
        }
        return "unknown";
    }

    /** Text, caption, transcription or reaction of a Baileys {@code proto.IMessage}, or null. */
    static String text(JsonNode message) {
        return text(message, 0);
    }

    private static String text(JsonNode message, int depth) {
        if (message == null || !message.isObject() || depth > 3) {
            return null;
        }
        String text = firstNonNull(
                Json.text(message.get("conversation")),
                Json.text(message.path("extendedTextMessage").get("text")));
        for (int i = 0; text == null && i < CAPTIONED.length; i++) {
            text = Json.text(message.path(CAPTIONED[i]).get("caption"));
        }
        for (int i = 0; text == null && i < WRAPPERS.length; i++) {
            text = text(message.path(WRAPPERS[i]).get("message"), depth + 1);
        }
        return firstNonNull(
                text,
                Json.text(message.path("reactionMessage").get("text")),
                Json.text(message.path("buttonsResponseMessage").get("selectedDisplayText")),
                Json.text(message.path("templateButtonReplyMessage").get("selectedDisplayText")),
                Json.text(message.path("listResponseMessage").get("title")),
                // Evolution's OpenAI transcription of a voice note, when enabled.
                Json.text(message.get("speechToText")));
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... values) {
        for (T value : values) {
            if (value != null) {
                return value;
            }
        }
        return null;
    }
}
