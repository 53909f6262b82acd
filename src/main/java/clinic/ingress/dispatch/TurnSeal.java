package clinic.ingress.dispatch;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Seals the fields of a turn that carry patient data, so whoever can read Redis reads no PHI and
 * whoever can write it cannot forge a turn ({@code ingress.dispatch.seal=true}).
 *
 * <p>
 * Format (docs/consumer-contract.md#sealed-turns): {@code text} and {@code memory} leave the entry;
 * {@code sealed} = base64(12-byte IV || AES-256-GCM ciphertext and 16-byte tag) of the JSON
 * {@code {"text": ..., "memory": ...}} (memory as the JSON document it is otherwise), with the
 * associated data {@code <stream key> "\n" <turnId>}: an entry copied to another partition or given
 * another turnId does not open. {@code keyId} = the first 4 bytes, hex, of
 * HMAC-SHA256(key, "clinic-ingress/turn-seal-key-id/v1"): the assistant keeps the previous key while
 * a rotation's turns drain. The other fields (ids, pseudonym, timestamps, media type and digest)
 * stay readable: the assistant routes on them.
 */
@ApplicationScoped
public class TurnSeal {

    private static final String KEY_ID_LABEL = "clinic-ingress/turn-seal-key-id/v1";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final String keyId;
    private final SecureRandom random = new SecureRandom();

    @Inject
    public TurnSeal(DispatchConfig config) {
        this(config.seal() ? config.sealKey()
                .map(value -> Base64.getDecoder().decode(value.trim()))
                .orElseThrow(() -> new IllegalStateException(
                        "ingress.dispatch.seal=true needs ingress.dispatch.seal-key (openssl rand -base64 32)"))
                : null);
    }

    /** Seals with {@code key} (32 bytes), or not at all (null). */
    TurnSeal(byte[] key) {
        if (key == null) {
            this.key = null;
            this.keyId = null;
            return;
        }
        if (key.length != 32) {
            throw new IllegalStateException("ingress.dispatch.seal-key must be a base64 256-bit key (openssl rand -base64 32)");
        }
        this.key = new SecretKeySpec(key, "AES");
        this.keyId = keyId(key);
    }

    public boolean enabled() {
        return key != null;
    }

    /** The entry to add to {@code stream}: {@code fields} as they are, or with text and memory sealed. */
    Map<String, String> apply(String stream, Map<String, String> fields) {
        if (key == null) {
            return fields;
        }
        ObjectNode secret = JsonNodeFactory.instance.objectNode();
        secret.put("text", fields.get("text"));
        secret.put("memory", fields.get("memory"));
        Map<String, String> sealed = new LinkedHashMap<>(fields);
        sealed.remove("text");
        sealed.remove("memory");
        sealed.put("keyId", keyId);
        sealed.put("sealed", seal(stream, fields.get("turnId"), secret.toString().getBytes(StandardCharsets.UTF_8)));
        return sealed;
    }

    private String seal(String stream, String turnId, byte[] plain) {
        try {
            byte[] iv = new byte[IV_BYTES];
            random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD((stream + "\n" + turnId).getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plain);
            byte[] out = Arrays.copyOf(iv, IV_BYTES + sealed.length);
            System.arraycopy(sealed, 0, out, IV_BYTES, sealed.length);
            return Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is required by every JVM", e);
        }
    }

    static String keyId(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(KEY_ID_LABEL.getBytes(StandardCharsets.UTF_8)), 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }
}
