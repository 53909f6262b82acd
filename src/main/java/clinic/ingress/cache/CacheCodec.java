package clinic.ingress.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one format of everything this service puts in Redis: a versioned JSON envelope
 * {@code {"v":1,"fetchedAt":<epoch ms>,"data":...}}, gzip-compressed above a threshold, AES-GCM
 * encrypted when a key is configured. Redis contents are untrusted input: decoding is JSON only
 * (never Java serialization), bounded in size, and anything unexpected is an
 * {@link UndecodableValue}, which callers treat as a miss.
 *
 * <p>Layout: plain JSON starts with '{'; gzip with its magic 0x1f8b; encrypted values with the
 * marker byte 0x01, a 12-byte IV, then the GCM ciphertext of the (possibly compressed) envelope.
 */
@ApplicationScoped
public class CacheCodec {

    public static final int VERSION = 1;
    private static final byte ENCRYPTED = 0x01;
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final ObjectMapper mapper;
    private final Optional<SecretKeySpec> key;
    private final long compressAbove;
    private final long maxDecoded;
    private final SecureRandom random = new SecureRandom();

    public CacheCodec(ObjectMapper mapper, CacheConfig config) {
        this.mapper = mapper;
        this.key = config.encryptionKey().map(CacheCodec::aesKey);
        this.compressAbove = config.compressAbove().asLongValue();
        this.maxDecoded = config.maxDecodedSize().asLongValue();
    }

    public byte[] encode(JsonNode data, Instant fetchedAt) {
        ObjectNode envelope = mapper.createObjectNode();
        envelope.put("v", VERSION);
        envelope.put("fetchedAt", fetchedAt.toEpochMilli());
        envelope.set("data", data);
        try {
            byte[] bytes = mapper.writeValueAsBytes(envelope);
            if (bytes.length > compressAbove) {
                bytes = gzip(bytes);
            }
            return key.isPresent() ? encrypt(bytes) : bytes;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode a cache value", e);
        }
    }

    public CachedValue decode(byte[] value) throws UndecodableValue {
        if (value == null || value.length == 0) {
            throw new UndecodableValue("empty");
        }
        byte[] bytes = value;
        if (key.isPresent()) {
            if (bytes[0] != ENCRYPTED) {
                throw new UndecodableValue("not encrypted");
            }
            bytes = decrypt(bytes);
        } else if (bytes[0] == ENCRYPTED) {
            throw new UndecodableValue("encrypted, but no key is configured");
        }
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
        return new CachedValue(envelope.get("data"), Instant.ofEpochMilli(envelope.get("fetchedAt").asLong()));
    }

    private byte[] encrypt(byte[] plain) throws GeneralSecurityException {
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, key.get(), new GCMParameterSpec(TAG_BITS, iv));
        byte[] sealed = cipher.doFinal(plain);
        return ByteBuffer.allocate(1 + IV_BYTES + sealed.length).put(ENCRYPTED).put(iv).put(sealed).array();
    }

    private byte[] decrypt(byte[] value) throws UndecodableValue {
        if (value.length < 1 + IV_BYTES + TAG_BITS / 8) {
            throw new UndecodableValue("truncated ciphertext");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key.get(), new GCMParameterSpec(TAG_BITS, value, 1, IV_BYTES));
            return cipher.doFinal(value, 1 + IV_BYTES, value.length - 1 - IV_BYTES);
        } catch (GeneralSecurityException e) {
            // Wrong key, tampered or foreign value: GCM's tag does not verify.
            throw new UndecodableValue("does not decrypt with our key");
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

    private static SecretKeySpec aesKey(String base64) {
        byte[] key = Base64.getDecoder().decode(base64.trim());
        if (key.length != 32) {
            throw new IllegalArgumentException("ingress.cache.encryption-key must be 32 bytes (AES-256), base64");
        }
        return new SecretKeySpec(key, "AES");
    }

    /** A Redis value that is not ours, not our version, corrupt, or not decryptable with our key. */
    public static class UndecodableValue extends Exception {
        public UndecodableValue(String why) {
            super(why, null, false, false);
        }
    }
}
