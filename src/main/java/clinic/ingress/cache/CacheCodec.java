package clinic.ingress.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one format of everything this service puts in Redis: a versioned JSON envelope
 * {@code {"v":2,"fetchedAt":<epoch ms>,"data":...}}, gzip-compressed above a threshold, and bound
 * to the Redis key it is stored under. Redis contents are untrusted input: decoding is JSON only
 * (never Java serialization), bounded in size, and anything unexpected is an
 * {@link UndecodableValue}, which callers treat as a miss.
 *
 * <p>
 * Layout, by first byte:
 * <ul>
 * <li>{@code 0x02}: HMAC-SHA256 (32 bytes) over {@code key || 0x00 || payload}, then the payload.
 * The HMAC key is derived from {@code ingress.cache.key-secret}; a value edited in Redis, or copied
 * under another key (another patient's), does not verify.</li>
 * <li>{@code 0x04}: the 4-byte id of the encryption key, a 12-byte IV, then the AES-GCM ciphertext
 * of the payload with the Redis key as associated data, so a value moved to another key fails to
 * decrypt. The id (derived from the key, it reveals nothing of it) names which of
 * {@code ingress.cache.encryption-key} and {@code previous-encryption-keys} sealed the value, so a
 * rotation reads old values and rewrites them ({@link CachedValue#rekey()}).</li>
 * <li>{@code 0x03}: as {@code 0x04} without the key id (written before rotation existed); read
 * with whichever configured key opens it, then rewritten.</li>
 * </ul>
 * The payload is the envelope, as JSON or gzip (magic {@code 0x1f8b}). Values of version 1 (bare
 * JSON, gzip or {@code 0x01} AES-GCM without associated data) are reported as outdated and reloaded,
 * never trusted.
 *
 * <p>
 * The encrypted layouts are {@link ValueSealing}'s; the rest of the format, its encoder and its
 * decoder, with the checks that are part of reading it (size, integrity, version), are here.
 */
@ApplicationScoped
public class CacheCodec {

    public static final int VERSION = 2;
    private static final byte SIGNED = 0x02;
    private static final int MAC_BYTES = 32;
    /** Separates the integrity key from the key-name HMAC key, both derived from one secret. */
    private static final String INTEGRITY_LABEL = "clinic-ingress/cache-integrity/v2";

    private final ObjectMapper mapper;
    private final ValueSealing sealing;
    private final SecretKeySpec integrityKey;
    private final long compressAbove;
    private final long maxDecoded;

    public CacheCodec(ObjectMapper mapper, CacheConfig config) {
        this.mapper = mapper;
        this.sealing = new ValueSealing(config.encryptionKey(), config.previousEncryptionKeys().orElse(List.of()));
        this.integrityKey = new SecretKeySpec(hmac(new SecretKeySpec(CacheKeys.secret(config), "HmacSHA256"),
                INTEGRITY_LABEL.getBytes(StandardCharsets.UTF_8)), "HmacSHA256");
        this.compressAbove = config.compressAbove().asLongValue();
        this.maxDecoded = config.maxDecodedSize().asLongValue();
    }

    /** The bytes to store under {@code redisKey}. */
    public byte[] encode(String redisKey, JsonNode data, Instant fetchedAt) {
        ObjectNode envelope = mapper.createObjectNode();
        envelope.put("v", VERSION);
        envelope.put("fetchedAt", fetchedAt.toEpochMilli());
        envelope.set("data", data);
        try {
            byte[] bytes = mapper.writeValueAsBytes(envelope);
            if (bytes.length > compressAbove) {
                bytes = gzip(bytes);
            }
            return sealing.enabled() ? sealing.seal(redisKey, bytes) : sign(redisKey, bytes);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode a cache value", e);
        }
    }

    /** The value stored under {@code redisKey}, checked against that key. */
    public CachedValue decode(String redisKey, byte[] value) throws UndecodableValue {
        if (value == null || value.length == 0) {
            throw new UndecodableValue("empty");
        }
        boolean rekey = false;
        byte[] bytes = switch (value[0]) {
            case ValueSealing.ENCRYPTED, ValueSealing.ENCRYPTED_WITHOUT_KEY_ID -> {
                if (!sealing.enabled()) {
                    throw new UndecodableValue("encrypted, but no key is configured");
                }
                ValueSealing.Opened opened = sealing.open(redisKey, value);
                rekey = opened.rekey();
                yield opened.plain();
            }
            case SIGNED -> {
                if (sealing.enabled()) {
                    // With encryption on, a readable value was not written by us.
                    throw new UndecodableValue("not encrypted");
                }
                yield verify(redisKey, value);
            }
            case '{', 0x1f, 0x01 -> throw UndecodableValue.ofOlderFormat();
            default -> throw new UndecodableValue("unknown format");
        };
        if (bytes.length > 1 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
            bytes = gunzip(bytes);
        }
        JsonNode envelope;
        try {
            envelope = mapper.readTree(bytes);
        } catch (IOException e) {
            throw new UndecodableValue("not JSON");
        }
        if (envelope == null || !envelope.isObject() || envelope.path("v").asInt(-1) != VERSION
                || !envelope.path("fetchedAt").canConvertToLong() || !envelope.has("data")) {
            throw new UndecodableValue("not a version " + VERSION + " envelope");
        }
        return new CachedValue(envelope.get("data"), Instant.ofEpochMilli(envelope.get("fetchedAt").asLong()), rekey);
    }

    private byte[] sign(String redisKey, byte[] payload) {
        byte[] mac = mac(redisKey, payload);
        return ByteBuffer.allocate(1 + MAC_BYTES + payload.length).put(SIGNED).put(mac).put(payload).array();
    }

    private byte[] verify(String redisKey, byte[] value) throws UndecodableValue {
        if (value.length < 1 + MAC_BYTES) {
            throw new UndecodableValue("truncated");
        }
        byte[] payload = Arrays.copyOfRange(value, 1 + MAC_BYTES, value.length);
        if (!MessageDigest.isEqual(Arrays.copyOfRange(value, 1, 1 + MAC_BYTES), mac(redisKey, payload))) {
            throw new UndecodableValue("integrity check failed (edited, or stored under another key)");
        }
        return payload;
    }

    private byte[] mac(String redisKey, byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(integrityKey);
            mac.update(redisKey.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }

    private static byte[] hmac(SecretKeySpec secret, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(secret);
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 3 + 16);
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }

    private byte[] gunzip(byte[] bytes) throws UndecodableValue {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length * 4);
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (out.size() + n > maxDecoded) {
                    throw new UndecodableValue("larger than " + maxDecoded + " bytes once decompressed");
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UndecodableValue("corrupt gzip");
        }
    }

    /** A Redis value that is not ours, not our version, corrupt, or not decryptable with our key. */
    public static class UndecodableValue extends Exception {

        private final boolean outdated;

        public UndecodableValue(String why) {
            this(why, false);
        }

        private UndecodableValue(String why, boolean outdated) {
            super(why, null, false, false);
            this.outdated = outdated;
        }

        static UndecodableValue ofOlderFormat() {
            return new UndecodableValue("written by an older version", true);
        }

        /** Written in an older format by an earlier version (expected after an upgrade), not corrupt. */
        public boolean outdated() {
            return outdated;
        }
    }
}
