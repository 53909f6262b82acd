package clinic.ingress.support;

import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Evolution webhook bodies, written from the field lists in research/evolution-mem0.md §1.2-1.4.
 */
public final class Evolution {

    public static final String TOKEN_HEADER = "X-Webhook-Token";
    public static final String TOKEN = "test-webhook-token";
    public static final String JWT_SECRET = "test-jwt-secret-for-evolution-webhooks";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode root = JSON.createObjectNode();
    private final ObjectNode data = root.putObject("data");
    private final ObjectNode key = data.putObject("key");

    private Evolution(String event, String instance) {
        root.put("event", event);
        root.put("instance", instance);
        root.put("destination", "https://hooks.example.com/evolution");
        root.put("date_time", Instant.now().toString());
        root.put("sender", "5511988887777@s.whatsapp.net");
        root.put("server_url", "https://evo.example.com");
        root.putNull("apikey");
        key.put("fromMe", false);
        key.put("id", newId());
        data.put("pushName", "Maria Souza");
        data.put("status", "DELIVERY_ACK");
        data.put("messageTimestamp", Instant.now().getEpochSecond());
        data.put("instanceId", "8f0c2a9e-4b7d-4c61-9d3e-2f5a6b7c8d90");
        data.put("source", "android");
    }

    /** A v2 {@code messages.upsert} text from a patient with a phone JID. */
    public static Evolution text(String instance, String phone, String text) {
        Evolution e = new Evolution("messages.upsert", instance);
        e.key.put("remoteJid", phone + "@s.whatsapp.net");
        e.data.putObject("message").put("conversation", text);
        e.data.put("messageType", "conversation");
        return e;
    }

    /**
     * An image message as Evolution sends it with {@code webhook_base64: true}: the image's metadata
     * in {@code imageMessage} (with a small base64 thumbnail) and the whole image, base64, in
     * {@code message.base64}.
     */
    public static Evolution image(String instance, String phone, byte[] image, String caption) {
        Evolution e = new Evolution("messages.upsert", instance);
        e.key.put("remoteJid", phone + "@s.whatsapp.net");
        ObjectNode message = e.data.putObject("message");
        ObjectNode imageMessage = message.putObject("imageMessage")
                .put("url", "https://mmg.whatsapp.net/o1/v/t62.7118-24/f1/m231/example.enc")
                .put("mimetype", "image/jpeg")
                .put("fileLength", String.valueOf(image.length))
                .put("height", 1280)
                .put("width", 960)
                .put("mediaKey", "ptZaJqWhJc2O7PjSmqbZzYe3qAE7vZx8iFqz4cGvE0o=")
                .put("jpegThumbnail", Base64.getEncoder().encodeToString(new byte[2048]));
        if (caption != null) {
            imageMessage.put("caption", caption);
        }
        message.put("base64", Base64.getEncoder().encodeToString(image));
        e.data.put("messageType", "imageMessage");
        return e;
    }

    /** Any event, with {@code data} left as built. */
    public static Evolution event(String event, String instance) {
        return new Evolution(event, instance);
    }

    public static String newId() {
        return "3EB0" + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toUpperCase();
    }

    public Evolution id(String id) {
        key.put("id", id);
        return this;
    }

    public String id() {
        return key.path("id").asText();
    }

    public Evolution fromMe() {
        key.put("fromMe", true);
        return this;
    }

    public Evolution apikey(String apikey) {
        root.put("apikey", apikey);
        return this;
    }

    public ObjectNode root() {
        return root;
    }

    public ObjectNode data() {
        return data;
    }

    public ObjectNode key() {
        return key;
    }

    public String json() {
        return root.toString();
    }
}
