package clinic.ingress.spool;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;

import clinic.ingress.cache.CacheCodec;
import clinic.ingress.cache.CacheConfig;
import clinic.ingress.cache.CacheKeys;
import io.vertx.mutiny.redis.client.Response;

/**
 * How the spool writes and reads its entries: each message sealed with the cache codec, bound to the
 * stream and its idempotency key (an entry edited, forged or moved does not open), and each chat
 * named by an HMAC (the hash of chats spooled names no patient).
 */
final class SpoolEntries {

    private final CacheCodec codec;
    private final String stream;
    private final SecretKeySpec chatKey;

    SpoolEntries(CacheCodec codec, CacheConfig cache, String stream) {
        this.codec = codec;
        this.stream = stream;
        this.chatKey = new SecretKeySpec(CacheKeys.secret(cache), "HmacSHA256");
    }

    byte[] seal(SpooledMessage message) {
        return codec.encode(sealedUnder(message.idempotencyKey()), message.toJson(), message.receivedAt());
    }

    /** An XRANGE answer as entries; those that do not open come back without a message. */
    List<Spool.Entry> read(Response range) {
        List<Spool.Entry> entries = new ArrayList<>(range.size());
        for (Response item : range) {
            String id = item.get(0).toString();
            Response fields = item.get(1);
            String key = null;
            long bytes = 0;
            String chat = null;
            byte[] sealed = null;
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                switch (fields.get(i).toString()) {
                    case "k" -> key = fields.get(i + 1).toString();
                    case "n" -> bytes = fields.get(i + 1).toLong();
                    case "c" -> chat = fields.get(i + 1).toString();
                    case "m" -> sealed = fields.get(i + 1).toBytes();
                    default -> {
                        // a field this service does not write: ignored, the seal decides
                    }
                }
            }
            entries.add(new Spool.Entry(id, bytes, chat, open(key, sealed)));
        }
        return entries;
    }

    private SpooledMessage open(String key, byte[] sealed) {
        if (key == null || sealed == null) {
            return null;
        }
        try {
            JsonNode json = codec.decode(sealedUnder(key), sealed).data();
            SpooledMessage message = SpooledMessage.fromJson(json);
            return message != null && message.idempotencyKey().equals(key) ? message : null;
        } catch (CacheCodec.UndecodableValue e) {
            return null;
        }
    }

    /** HMAC of the chat, hex: how the hash of chats spooled names it. */
    String chatName(SpooledMessage.Chat chat) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(chatKey);
            mac.update("spool-chat\n".getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(chat.value().getBytes(StandardCharsets.UTF_8)), 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }

    /** What the seal is bound to: this stream and this message, so an entry moved or relabelled does not open. */
    private String sealedUnder(String idempotencyKey) {
        return stream + "|" + idempotencyKey;
    }
}
