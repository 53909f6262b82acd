package clinic.ingress.evolution;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Turns an Evolution webhook body into an {@link EvolutionEvent}, whatever version sent it:
 * v1 ({@code data.owner}, {@code extendedTextMessage}) and v2 ({@code instanceId}, text folded into
 * {@code conversation}), the LID variants of 2.3.x and 2.4, dotted, UPPER_SNAKE or kebab event names.
 * Reads the body as a token stream into a tree of what may be kept (no credential, no media bytes:
 * {@link BodyReducer}), then works on that tree: no reflection, nothing for the native image to
 * register.
 */
public final class EvolutionParser {

    private static final int MAX_ID_LENGTH = 255;

    private final ObjectMapper mapper;
    private final boolean acceptGroups;
    private final Clock clock;

    /**
     * @param acceptGroups store group ({@code @g.us}) messages instead of ignoring them
     * @param maxBodyBytes the largest body the webhook accepts: bounds documents and strings
     */
    public EvolutionParser(boolean acceptGroups, long maxBodyBytes) {
        this(acceptGroups, maxBodyBytes, Clock.systemUTC());
    }

    EvolutionParser(boolean acceptGroups, long maxBodyBytes, Clock clock) {
        this.mapper = boundedReader(maxBodyBytes);
        this.acceptGroups = acceptGroups;
        this.clock = clock;
    }

    /**
     * A reader with limits sized to Evolution's real payloads, so a hostile body is refused while it
     * is parsed instead of becoming a tree many times its size (1.6 MB of empty objects made a 40 MB
     * tree without them). A messages.upsert is a few hundred tokens nested about 10 deep; a base64
     * media message is one long string, bounded by the body limit.
     */
    private static ObjectMapper boundedReader(long maxBodyBytes) {
        int bodyLimit = (int) Math.min(Integer.MAX_VALUE, maxBodyBytes);
        StreamReadConstraints limits = StreamReadConstraints.builder()
                .maxDocumentLength(bodyLimit)
                .maxStringLength(bodyLimit)
                .maxNestingDepth(64)
                .maxNumberLength(64)
                .maxNameLength(1024)
                .maxTokenCount(100_000)
                .build();
        return JsonMapper.builder(JsonFactory.builder().streamReadConstraints(limits).build()).build();
    }

    /**
     * @param pathEvent event from the by-events URL suffix, or null
     * @param body the raw request body
     */
    public EvolutionEvent parse(String pathEvent, byte[] body) {
        return parse(pathEvent, () -> new ByteArrayInputStream(body));
    }

    /**
     * Reads the body as a stream, once (twice when a media field is not standard base64, and that
     * field once more, raw): media bytes are hashed, never kept, and credentials left out
     * ({@link BodyReducer}).
     *
     * @param pathEvent event from the by-events URL suffix, or null
     * @param body opens the raw request body; called once per pass
     */
    public EvolutionEvent parse(String pathEvent, Supplier<InputStream> body) {
        JsonNode root;
        String apikey;
        try {
            BodyReducer reducer = new BodyReducer();
            try {
                root = read(reducer, body);
            } catch (JsonParseException | IllegalArgumentException e) {
                if (!reducer.inMedia()) {
                    throw e;
                }
                // A media field that is not standard base64 (a data: URL, line breaks): read again,
                // hashing its bytes as sent instead of decoding them.
                reducer = new BodyReducer(body);
                root = read(reducer, body);
            }
            apikey = reducer.apikey();
        } catch (IOException | IllegalArgumentException e) {
            return EvolutionEvent.Invalid.malformed(pathEvent);
        }
        if (root == null || !root.isObject()) {
            return EvolutionEvent.Invalid.of(null, null, null, "the body must be a JSON object", null, null);
        }
        JsonSafety.sanitize(root);
        JsonNode data = root.path("data");
        JsonNode first = data.isArray() && data.size() == 1 ? data.get(0) : data;
        // Before serialising: it adds the media type to the summary that replaced the media bytes.
        Media media = Media.of(first.get("message"));
        String kept = root.toString();
        String instance = firstNonBlank(text(root.get("instance")), text(data.get("owner")));
        String event = firstNonBlank(EventName.canonical(text(root.get("event"))), EventName.canonical(pathEvent));
        if (instance == null || instance.length() > MAX_ID_LENGTH) {
            return EvolutionEvent.Invalid.of(null, event, null, "instance is required (at most 255 characters)", apikey, kept);
        }
        if (event == null) {
            return EvolutionEvent.Invalid.of(instance, null, null, "event is required", apikey, kept);
        }
        if (EventName.changesLine(event)) {
            return LineStatusParser.parse(instance, event, root, first, apikey, clock);
        }
        if (!EventName.carriesMessage(event)) {
            return new EvolutionEvent.Ignored(instance, event, "event-not-processed", apikey);
        }
        if (data.isArray()) {
            if (data.size() != 1) {
                return EvolutionEvent.Invalid.of(instance, event, null,
                        "data must hold exactly one message, found " + data.size(), apikey, kept);
            }
            data = data.get(0);
        }
        JsonNode key = data.path("key");
        String whatsappId = text(key.get("id"));
        if (whatsappId == null || whatsappId.isBlank() || whatsappId.length() > MAX_ID_LENGTH) {
            return EvolutionEvent.Invalid.of(instance, event, null, "data.key.id is required (at most 255 characters)",
                    apikey, kept);
        }
        String remoteJid = text(key.get("remoteJid"));
        if (remoteJid == null) {
            return EvolutionEvent.Invalid.of(instance, event, whatsappId, "data.key.remoteJid is required", apikey, kept);
        }
        String ignored = ignoredChat(remoteJid);
        if (ignored != null) {
            return new EvolutionEvent.Ignored(instance, event, ignored, apikey);
        }
        PatientIdentity patient = remoteJid.endsWith("@g.us")
                ? PatientIdentity.from(text(key.get("participant")), text(key.get("participantAlt")))
                : PatientIdentity.from(remoteJid, text(key.get("remoteJidAlt")), text(key.get("senderPn")),
                        text(key.get("previousRemoteJid")));
        if (patient == null) {
            return EvolutionEvent.Invalid.of(instance, event, whatsappId,
                    "data.key holds no WhatsApp user (remoteJid, remoteJidAlt, senderPn or participant)", apikey, kept);
        }
        JsonNode message = data.get("message");
        boolean fromMe = key.path("fromMe").asBoolean(false);
        InboundMessage inbound = new InboundMessage(
                instance,
                event,
                whatsappId,
                remoteJid,
                patient,
                fromMe,
                MessageContent.type(data, message),
                MessageContent.text(message),
                timestamp(data.get("messageTimestamp")),
                media,
                kept);
        return new EvolutionEvent.Message(inbound, apikey);
    }

    private JsonNode read(BodyReducer reducer, Supplier<InputStream> body) throws IOException {
        try (JsonParser parser = mapper.getFactory().createParser(body.get())) {
            return reducer.read(parser);
        }
    }

    private String ignoredChat(String remoteJid) {
        if ("status@broadcast".equals(remoteJid)) {
            return "status-broadcast";
        }
        if (remoteJid.endsWith("@newsletter")) {
            return "newsletter";
        }
        if (remoteJid.endsWith("@broadcast")) {
            return "broadcast-list";
        }
        if (remoteJid.endsWith("@g.us") && !acceptGroups) {
            return "group";
        }
        return null;
    }

    /** Epoch seconds as a number, a numeric string or a protobuf Long {@code {low, high}}. */
    private OffsetDateTime timestamp(JsonNode node) {
        long seconds = 0;
        if (node != null && node.isNumber()) {
            seconds = node.asLong();
        } else if (node != null && node.isTextual()) {
            try {
                seconds = Long.parseLong(node.textValue().trim());
            } catch (NumberFormatException e) {
                seconds = 0;
            }
        } else if (node != null && node.isObject() && node.has("low")) {
            seconds = (node.path("high").asLong() << 32) | (node.path("low").asLong() & 0xffffffffL);
        }
        if (seconds > 100_000_000_000L) {
            seconds /= 1000; // milliseconds
        }
        Instant instant = seconds > 0 ? Instant.ofEpochSecond(seconds) : clock.instant();
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static String text(JsonNode node) {
        return Json.text(node);
    }

    private static String firstNonBlank(String a, String b) {
        return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : null;
    }

}
