package clinic.ingress.evolution;

import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The media of an image, video, audio, document or sticker message, as the body described it: its
 * media type, size and SHA-256. The bytes themselves are never kept: when Evolution sent them
 * ({@code message.base64}), {@link BodyReducer} has already replaced them by their size and digest;
 * otherwise the message's own {@code fileLength} and {@code fileSha256} say the same.
 *
 * @param type MIME type ({@code image/jpeg}), or null when the message did not say
 * @param bytes size in bytes, or -1 when unknown
 * @param sha256 hex SHA-256 of the media, or null when unknown
 * @param inBody whether Evolution sent the bytes in the webhook (they were omitted)
 */
public record Media(String type, long bytes, String sha256, boolean inBody) {

    private static final Set<String> CONTENT = Set.of("imageMessage", "videoMessage", "audioMessage", "documentMessage",
            "stickerMessage", "ptvMessage");

    /** {@code {"type", "bytes", "sha256", "inBody"}}, as stored beside the message and sent with its turn. */
    public String json() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("type", type);
        if (bytes >= 0) {
            json.put("bytes", bytes);
        }
        json.put("sha256", sha256);
        json.put("inBody", inBody);
        return json.toString();
    }

    /** The media of {@code message} (a Baileys {@code proto.IMessage}, reduced), or null for none. */
    static Media of(JsonNode message) {
        if (message == null || !message.isObject()) {
            return null;
        }
        JsonNode content = content(message);
        JsonNode omitted = message.get("base64");
        boolean inBody = omitted != null && "media".equals(omitted.path("omitted").asText(null));
        if (content == null && !inBody) {
            return null;
        }
        String type = content == null ? null : content.path("mimetype").asText(null);
        if (inBody && type != null) {
            ((ObjectNode) omitted).put("mediaType", type);
        }
        long bytes = inBody ? omitted.path("bytes").asLong(-1) : content.path("fileLength").asLong(-1);
        String sha256 = inBody ? omitted.path("sha256").asText(null) : hex(content.path("fileSha256").asText(null));
        return new Media(type, bytes, sha256, inBody);
    }

    private static JsonNode content(JsonNode message) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = message.fields(); fields.hasNext();) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (CONTENT.contains(field.getKey()) && field.getValue().isObject()) {
                return field.getValue();
            }
            if (field.getKey().equals("documentWithCaptionMessage")) {
                JsonNode document = field.getValue().path("message").get("documentMessage");
                if (document != null && document.isObject()) {
                    return document;
                }
            }
        }
        return null;
    }

    /** Baileys sends digests as base64; the turn carries hex, like the digests computed here. */
    private static String hex(String base64) {
        if (base64 == null) {
            return null;
        }
        try {
            byte[] digest = Base64.getDecoder().decode(base64);
            return digest.length == 32 ? HexFormat.of().formatHex(digest) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
