package clinic.ingress.evolution;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reads a webhook body token by token into a Jackson tree of what may be kept: the body without
 * its credentials and without its media bytes. Evolution with {@code webhook_base64} puts the
 * whole image, audio or document into {@code data.message.base64} (megabytes of base64); those
 * strings are decoded in small chunks straight into a SHA-256 and a byte count, never held, and
 * the tree keeps {@code {"omitted": "media", "bytes": n, "sha256": "..."}} in their place. A field
 * named {@code apikey} (Evolution's instance token, or in v1 its global API key) is left out wherever
 * it is; the top-level one is handed to authentication.
 *
 * <p>
 * One reducer per body: it remembers the apikey it met.
 */
final class BodyReducer {

    /** Fields of a message Evolution fills with base64 media: the media itself and its thumbnails. */
    static final Set<String> MEDIA_FIELDS = Set.of("base64", "jpegThumbnail", "pngThumbnail");
    private static final Set<String> CREDENTIAL_FIELDS = Set.of("apikey", "api_key");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final boolean mediaAsText;
    private String apikey;
    private boolean inMedia;

    /** Opens the body again, for hashing a media field's bytes as they were sent. */
    private final Supplier<InputStream> raw;

    /** The first pass: media fields decoded as standard base64, in small chunks. */
    BodyReducer() {
        this.mediaAsText = false;
        this.raw = null;
    }

    /**
     * The fallback for a media field that is not standard base64 (a data: URL, line breaks: the
     * streaming decoder refuses it): its bytes, as sent between the quotes, are hashed from a second
     * read of the body, and the parser skips the string without building it. The string is never
     * in memory, whatever its size.
     *
     * @param raw opens the body again
     */
    BodyReducer(Supplier<InputStream> raw) {
        this.mediaAsText = true;
        this.raw = raw;
    }

    /** The document's root, reduced; null for an empty body. */
    JsonNode read(JsonParser parser) throws IOException {
        JsonToken first = parser.nextToken();
        if (first == null) {
            return null;
        }
        JsonNode root = value(parser, first, false, true);
        if (parser.nextToken() != null) {
            throw new IOException("content after the JSON document");
        }
        return root;
    }

    /** The top-level {@code apikey}, or null. */
    String apikey() {
        return apikey;
    }

    /** Whether the read stopped inside a media field (its base64 did not decode). */
    boolean inMedia() {
        return inMedia;
    }

    private JsonNode value(JsonParser parser, JsonToken token, boolean inMessage, boolean top) throws IOException {
        return switch (token) {
            case START_OBJECT -> object(parser, inMessage, top);
            case START_ARRAY -> array(parser, inMessage);
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDecimalValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new IOException("unexpected token " + token);
        };
    }

    private ObjectNode object(JsonParser parser, boolean inMessage, boolean top) throws IOException {
        ObjectNode object = NODES.objectNode();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if (CREDENTIAL_FIELDS.contains(name.toLowerCase(Locale.ROOT))) {
                if (top && value == JsonToken.VALUE_STRING) {
                    apikey = parser.getText();
                } else {
                    parser.skipChildren();
                }
            } else if (inMessage && value == JsonToken.VALUE_STRING && MEDIA_FIELDS.contains(name)) {
                object.set(name, media(parser));
            } else {
                object.set(name, value(parser, value, inMessage || name.equals("message") || name.endsWith("Message"), false));
            }
        }
        return object;
    }

    private ArrayNode array(JsonParser parser, boolean inMessage) throws IOException {
        ArrayNode array = NODES.arrayNode();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            array.add(value(parser, token, inMessage, false));
        }
        return array;
    }

    /** What stands in the tree for a media string: its decoded size and SHA-256. */
    private ObjectNode media(JsonParser parser) throws IOException {
        DigestingSink sink = new DigestingSink();
        if (mediaAsText) {
            // Left unread: moving on, the parser skips the rest of the string without keeping it.
            hashRawString(parser.currentTokenLocation().getByteOffset(), sink);
        } else {
            // Decodes the base64 in small chunks as the parser reads it: the string is never built.
            inMedia = true;
            parser.readBinaryValue(sink);
            inMedia = false;
        }
        ObjectNode summary = NODES.objectNode()
                .put("omitted", "media")
                .put("bytes", sink.count)
                .put("sha256", HexFormat.of().formatHex(sink.digest.digest()));
        if (mediaAsText) {
            summary.put("encoding", "text");
        }
        return summary;
    }

    /**
     * Hashes the bytes of the JSON string whose opening quote is at {@code quote} in the body, up to
     * its closing quote: escapes as sent ({@code \\n} is two bytes), read in 8 KiB pieces.
     */
    private void hashRawString(long quote, DigestingSink sink) throws IOException {
        try (InputStream in = raw.get()) {
            in.skipNBytes(quote);
            if (in.read() != '"') {
                throw new IOException("the media string is not where the parser says");
            }
            byte[] buffer = new byte[8192];
            boolean escaped = false;
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                for (int i = 0; i < n; i++) {
                    if (!escaped && buffer[i] == '"') {
                        sink.write(buffer, 0, i);
                        return;
                    }
                    escaped = !escaped && buffer[i] == '\\';
                }
                sink.write(buffer, 0, n);
            }
            throw new IOException("the media string does not end");
        }
    }

    /** Counts and hashes what is written to it, keeping none of it. */
    private static final class DigestingSink extends OutputStream {
        private final MessageDigest digest;
        private long count;

        DigestingSink() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is required by every JVM", e);
            }
        }

        @Override
        public void write(int b) {
            digest.update((byte) b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            digest.update(b, off, len);
            count += len;
        }
    }
}
