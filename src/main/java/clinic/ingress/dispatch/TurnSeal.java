package clinic.ingress.dispatch;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Seals the fields of a turn that carry patient data, so whoever can read Redis reads no PHI, and
 * binds every other field to them, so whoever can write Redis cannot forge or re-route a turn
 * (with {@code ingress.dispatch.seal-key}).
 *
 * <p>
 * Format 2 (docs/consumer-contract.md#sealed-turns): {@code text} and {@code memory} leave the entry;
 * {@code sealed} = base64(12-byte IV || AES-256-GCM ciphertext and 16-byte tag) of the JSON
 * {@code {"text": ..., "memory": ...}}; {@code seal} = {@code 2}; {@code keyId} = the first 4 bytes,
 * hex, of HMAC-SHA256(key, "clinic-ingress/turn-seal-key-id/v1"), so the assistant keeps the previous
 * key while a rotation's turns drain. The associated data covers the stream key and every field the
 * assistant routes on or trusts ({@link #BOUND}, in that order), each written as its UTF-8 byte
 * length, a colon and its bytes (an absent field as empty): an entry copied to another partition,
 * or given another turn id, clinic, organization, instance, patient, session, message, time, type,
 * media or trace, does not open; nor does a turn made an {@code erase} event ({@code type},
 * {@code subject}: absent from turns, so empty). Those fields stay readable: the assistant routes on them.
 */
@ApplicationScoped
public class TurnSeal {

    private static final String KEY_ID_LABEL = "clinic-ingress/turn-seal-key-id/v1";
    /** The format: in the entry as {@code seal}, and first in the associated data. */
    static final String FORMAT = "2";
    private static final String AAD_LABEL = "clinic-ingress/turn-seal/v2";
    /** The fields the associated data binds, in this order (docs/consumer-contract.md#sealed-turns). */
    static final List<String> BOUND = List.of("turnId", "clinic", "organization", "sessionId", "messageId",
            "whatsappMessageId", "instance", "patient", "messageTimestamp", "messageType", "media", "traceparent", "type",
            "subject");
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final String keyId;
    private final SecureRandom random = new SecureRandom();
    // One cipher per thread (the event loops), initialised afresh with a new IV for each turn: looking
    // one up and expanding the key for every turn was a fifth of the write path's allocation (JFR,
    // docs/benchmarks.md). The provider keeps the expanded key while the key stays the same.
    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(TurnSeal::newCipher);
    private static final ThreadLocal<Aad> AADS = ThreadLocal.withInitial(Aad::new);

    @Inject
    public TurnSeal(DispatchConfig config) {
        this(config.sealKey().map(TurnSeal::decode).orElse(null));
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("ingress.dispatch.seal-key is not base64 (openssl rand -base64 32)", e);
        }
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

    /**
     * The entry to add to {@code stream}: {@code fields} as they are, or with text and memory sealed.
     * Seals in place ({@code fields} is the caller's own, mutable and ordered): a copy of the entry
     * for each turn bought nothing.
     */
    Map<String, String> apply(String stream, Map<String, String> fields) {
        if (key == null) {
            return fields;
        }
        StringBuilder secret = new StringBuilder(256).append("{\"text\":");
        JsonText.string(secret, fields.remove("text")).append(",\"memory\":");
        JsonText.string(secret, fields.remove("memory")).append('}');
        fields.put("seal", FORMAT);
        fields.put("keyId", keyId);
        fields.put("sealed", seal(AADS.get().encode(stream, fields), secret.toString().getBytes(StandardCharsets.UTF_8)));
        return fields;
    }

    /**
     * The associated data: the label, the stream key and each bound field, each as its UTF-8 length,
     * ':' and its bytes. Written into this thread's buffers, as {@code getBytes(UTF_8)} would encode
     * it (a lone surrogate as '?'): a builder, a String and a byte array for each turn were a tenth of
     * the write path's allocation after the cipher (JFR, docs/benchmarks.md).
     */
    private static final class Aad {
        private final StringBuilder text = new StringBuilder(512);
        private final CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        private ByteBuffer bytes = ByteBuffer.allocate(1024);

        /** The buffer, ready to read, valid until this thread's next turn. */
        ByteBuffer encode(String stream, Map<String, String> fields) {
            text.setLength(0);
            text.append(AAD_LABEL);
            lengthPrefixed(text, stream);
            for (String name : BOUND) {
                lengthPrefixed(text, fields.get(name));
            }
            // UTF-8 takes at most three bytes a char (a surrogate pair, four for two).
            if (bytes.capacity() < 3 * text.length()) {
                bytes = ByteBuffer.allocate(3 * text.length());
            }
            bytes.clear();
            utf8.reset();
            CharBuffer chars = CharBuffer.wrap(text);
            utf8.encode(chars, bytes, true);
            utf8.flush(bytes);
            return bytes.flip();
        }
    }

    private static void lengthPrefixed(StringBuilder aad, String value) {
        String text = value == null ? "" : value;
        aad.append(utf8Length(text)).append(':').append(text);
    }

    /** The UTF-8 byte length of {@code text}, without encoding it. */
    static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                // A lone surrogate is encoded as '?' by getBytes(UTF_8): one byte.
                bytes += Character.isSurrogate(c) ? 1 : 3;
            }
        }
        return bytes;
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is required by every JVM", e);
        }
    }

    private String seal(ByteBuffer associatedData, byte[] plain) {
        try {
            byte[] iv = new byte[IV_BYTES];
            random.nextBytes(iv);
            Cipher cipher = CIPHERS.get();
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(associatedData);
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
