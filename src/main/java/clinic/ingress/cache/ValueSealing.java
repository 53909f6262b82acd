package clinic.ingress.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The encrypted forms of a cache value ({@link CacheCodec}'s layouts {@code 0x04} and {@code 0x03}):
 * AES-256-GCM with the Redis key as associated data, so a value moved to another key fails to
 * decrypt. {@code 0x04} starts with the 4-byte id of the key that sealed it (derived from the key
 * by HMAC; it reveals nothing of it), so during a rotation values under
 * {@code ingress.cache.previous-encryption-keys} are read and reported for rewriting; {@code 0x03}
 * (before key ids) is read with whichever configured key opens it.
 */
final class ValueSealing {

    static final byte ENCRYPTED_WITHOUT_KEY_ID = 0x03;
    static final byte ENCRYPTED = 0x04;
    private static final int KEY_ID_BYTES = 4;
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String KEY_ID_LABEL = "clinic-ingress/cache-key-id/v1";

    /** An encryption key and its id. */
    private record SealingKey(SecretKeySpec key, byte[] id) {
        static SealingKey of(String base64) {
            byte[] raw = Base64.getDecoder().decode(base64.trim());
            if (raw.length != 32) {
                throw new IllegalArgumentException("ingress.cache encryption keys must be 32 bytes (AES-256), base64");
            }
            return new SealingKey(new SecretKeySpec(raw, "AES"), Arrays.copyOf(hmac(raw, KEY_ID_LABEL), KEY_ID_BYTES));
        }
    }

    /** The plaintext, and whether it was sealed otherwise than the current key and format would. */
    record Opened(byte[] plain, boolean rekey) {
    }

    /** The current key first, then the previous ones; empty without encryption. */
    private final List<SealingKey> keys;
    private final SecureRandom random = new SecureRandom();

    ValueSealing(Optional<String> current, List<String> previous) {
        List<SealingKey> all = new ArrayList<>();
        current.map(SealingKey::of).ifPresent(all::add);
        if (!all.isEmpty()) {
            previous.forEach(key -> all.add(SealingKey.of(key)));
        }
        this.keys = List.copyOf(all);
    }

    boolean enabled() {
        return !keys.isEmpty();
    }

    byte[] seal(String redisKey, byte[] plain) throws GeneralSecurityException {
        SealingKey current = keys.get(0);
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, current.key(), new GCMParameterSpec(TAG_BITS, iv));
        cipher.updateAAD(redisKey.getBytes(StandardCharsets.UTF_8));
        byte[] sealed = cipher.doFinal(plain);
        return ByteBuffer.allocate(1 + KEY_ID_BYTES + IV_BYTES + sealed.length)
                .put(ENCRYPTED).put(current.id()).put(iv).put(sealed).array();
    }

    Opened open(String redisKey, byte[] value) throws CacheCodec.UndecodableValue {
        boolean withId = value[0] == ENCRYPTED;
        int ivAt = withId ? 1 + KEY_ID_BYTES : 1;
        if (value.length < ivAt + IV_BYTES + TAG_BITS / 8) {
            throw new CacheCodec.UndecodableValue("truncated ciphertext");
        }
        for (SealingKey candidate : keys) {
            if (withId && !Arrays.equals(candidate.id(), 0, KEY_ID_BYTES, value, 1, 1 + KEY_ID_BYTES)) {
                continue;
            }
            byte[] plain = open(candidate, redisKey, value, ivAt);
            if (plain != null) {
                return new Opened(plain, !withId || candidate != keys.get(0));
            }
            if (withId) {
                break;
            }
        }
        // Wrong key, tampered, foreign, or moved from another Redis key: GCM's tag does not verify.
        throw new CacheCodec.UndecodableValue("does not decrypt with our keys under this Redis key");
    }

    private static byte[] open(SealingKey candidate, String redisKey, byte[] value, int ivAt) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, candidate.key(), new GCMParameterSpec(TAG_BITS, value, ivAt, IV_BYTES));
            cipher.updateAAD(redisKey.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(value, ivAt + IV_BYTES, value.length - ivAt - IV_BYTES);
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    private static byte[] hmac(byte[] key, String label) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(label.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }
}
