package clinic.ingress.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.configuration.MemorySize;

/**
 * The Redis value format: round trips, values bound to their key, and every kind of foreign value refused.
 */
@Tag("fast")
public class CacheCodecTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String KEY_A = Base64.getEncoder().encodeToString(new byte[32]);
    public static final String KEY_B = Base64.getEncoder().encodeToString("another-32-byte-key-0123456789ab".getBytes());

    private static final String KEY = "mem0:v1:org:patient-1";

    @Test
    void roundTripsSignedCompressedAndEncrypted() throws Exception {
        JsonNode small = JSON.readTree("{\"name\":\"Clínica\"}");
        JsonNode large = JSON.readTree("{\"text\":\"" + "memória ".repeat(500) + "\"}");
        Instant fetched = Instant.ofEpochMilli(1_761_055_391_123L);
        for (CacheCodec codec : new CacheCodec[] { codec(null), codec(KEY_A) }) {
            for (JsonNode data : new JsonNode[] { small, large }) {
                CachedValue value = codec.decode(KEY, codec.encode(KEY, data, fetched));
                assertThat(value.data()).isEqualTo(data);
                assertThat(value.fetchedAt()).isEqualTo(fetched);
            }
        }
        byte[] compressed = codec(null).encode(KEY, large, fetched);
        assertThat(compressed[0]).isEqualTo((byte) 0x02);
        assertThat(compressed[33] & 0xff).isEqualTo(0x1f);
        assertThat(compressed.length).isLessThan(large.toString().length() / 4);
        // The whole plaintext, not a two-letter piece of it: random ciphertext contains any given two
        // bytes about once in a thousand encryptions (this assertion once failed that way).
        String encrypted = new String(codec(KEY_A).encode(KEY, small, fetched), StandardCharsets.ISO_8859_1);
        assertThat(encrypted).doesNotContain("\"name\"").doesNotContain(small.toString());
    }

    @Test
    void aValueMovedToAnotherKeyOrEditedIsUndecodable() throws Exception {
        JsonNode data = JSON.readTree("{\"items\":[\"alergia\"]}");
        for (CacheCodec codec : new CacheCodec[] { codec(null), codec(KEY_A) }) {
            byte[] value = codec.encode(KEY, data, Instant.now());
            assertThatThrownBy(() -> codec.decode("mem0:v1:org:patient-2", value))
                    .isInstanceOf(CacheCodec.UndecodableValue.class)
                    .matches(e -> !((CacheCodec.UndecodableValue) e).outdated());
            byte[] edited = value.clone();
            edited[edited.length - 3] ^= 0x01;
            assertThatThrownBy(() -> codec.decode(KEY, edited)).isInstanceOf(CacheCodec.UndecodableValue.class);
        }
        // Same data, same key, another key secret: not ours either.
        byte[] otherSecret = codec(null, "another-key-secret-of-32-characters!").encode(KEY, data, Instant.now());
        assertThatThrownBy(() -> codec(null).decode(KEY, otherSecret)).hasMessageContaining("integrity");
    }

    @Test
    void foreignValuesAreUndecodable() throws Exception {
        CacheCodec plain = codec(null);
        byte[] underB = codec(KEY_B).encode(KEY, JSON.readTree("{}"), Instant.now());
        assertThatThrownBy(() -> codec(KEY_A).decode(KEY, underB)).isInstanceOf(CacheCodec.UndecodableValue.class)
                .hasMessageContaining("decrypt");
        assertThatThrownBy(() -> plain.decode(KEY, underB)).isInstanceOf(CacheCodec.UndecodableValue.class);
        assertThatThrownBy(() -> codec(KEY_A).decode(KEY, plain.encode(KEY, JSON.readTree("{}"), Instant.now())))
                .isInstanceOf(CacheCodec.UndecodableValue.class).hasMessageContaining("not encrypted");
        assertThatThrownBy(() -> plain.decode(KEY, new byte[] { (byte) 0x80, 4, (byte) 0x95 }))
                .isInstanceOf(CacheCodec.UndecodableValue.class);
        assertThatThrownBy(() -> plain.decode(KEY, new byte[0])).isInstanceOf(CacheCodec.UndecodableValue.class);
        byte[] bomb = gzip(new byte[8 * 1024 * 1024]);
        assertThatThrownBy(() -> plain.decode(KEY, signed(KEY, bomb)))
                .isInstanceOf(CacheCodec.UndecodableValue.class).hasMessageContaining("decompressed");
    }

    @Test
    void aRotationReadsValuesUnderThePreviousKeyAndAsksForThemToBeRewritten() throws Exception {
        JsonNode data = JSON.readTree("{\"items\":[\"alérgica a dipirona\"]}");
        Instant fetched = Instant.ofEpochMilli(1_761_055_391_123L);
        byte[] underA = codec(KEY_A).encode(KEY, data, fetched);
        CacheCodec rotated = codec(KEY_B, SECRET, List.of(KEY_A));

        CachedValue old = rotated.decode(KEY, underA);
        assertThat(old.data()).isEqualTo(data);
        assertThat(old.fetchedAt()).isEqualTo(fetched);
        assertThat(old.rekey()).as("read under the previous key: to be sealed again").isTrue();

        byte[] rewritten = rotated.encode(KEY, old.data(), old.fetchedAt());
        assertThat(rotated.decode(KEY, rewritten).rekey()).isFalse();
        // The new value names key B: a replica still on key A alone cannot read it, nor B without A the old one.
        assertThatThrownBy(() -> codec(KEY_A).decode(KEY, rewritten)).hasMessageContaining("decrypt");
        assertThatThrownBy(() -> codec(KEY_B).decode(KEY, underA)).hasMessageContaining("decrypt");
        // The key id is derived from the key and is not the key.
        assertThat(new String(rewritten, StandardCharsets.ISO_8859_1)).doesNotContain(
                new String(Base64.getDecoder().decode(KEY_B), StandardCharsets.ISO_8859_1));
    }

    @Test
    void valuesSealedBeforeKeyIdsExistAreReadAndRewritten() throws Exception {
        JsonNode data = JSON.readTree("{\"items\":[]}");
        byte[] current = codec(KEY_A).encode(KEY, data, Instant.now());
        // 0x03: the same sealing without the 4-byte key id, as the previous version wrote it.
        byte[] legacy = new byte[current.length - 4];
        legacy[0] = 0x03;
        System.arraycopy(current, 5, legacy, 1, current.length - 5);

        CachedValue value = codec(KEY_A).decode(KEY, legacy);
        assertThat(value.data()).isEqualTo(data);
        assertThat(value.rekey()).isTrue();
    }

    @Test
    void valuesOfTheFirstFormatAreOutdatedNotTrusted() {
        CacheCodec plain = codec(null);
        for (byte[] v1 : new byte[][] {
                "{\"v\":1,\"fetchedAt\":1,\"data\":{}}".getBytes(),
                { 0x1f, (byte) 0x8b, 0x08, 0x00 },
                { 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                        29 } }) {
            assertThatThrownBy(() -> plain.decode(KEY, v1)).isInstanceOf(CacheCodec.UndecodableValue.class)
                    .matches(e -> ((CacheCodec.UndecodableValue) e).outdated());
        }
    }

    /** A payload signed the way the codec signs, to reach the checks behind the signature. */
    private static byte[] signed(String key, byte[] payload) throws Exception {
        javax.crypto.Mac derive = javax.crypto.Mac.getInstance("HmacSHA256");
        derive.init(new javax.crypto.spec.SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] integrity = derive.doFinal("clinic-ingress/cache-integrity/v2".getBytes(StandardCharsets.UTF_8));
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(integrity, "HmacSHA256"));
        mac.update(key.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0);
        byte[] tag = mac.doFinal(payload);
        return ByteBuffer.allocate(1 + 32 + payload.length).put((byte) 0x02).put(tag).put(payload).array();
    }

    private static byte[] gzip(byte[] bytes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }

    private static final String SECRET = "cache-codec-test-key-secret-0123456789";

    public static CacheCodec codec(String key) {
        return codec(key, SECRET);
    }

    static CacheCodec codec(String key, String secret) {
        return codec(key, secret, List.of());
    }

    static CacheCodec codec(String key, String secret, List<String> previous) {
        return new CacheCodec(JSON, new CacheConfig() {
            public boolean redisEnabled() {
                return true;
            }

            public Duration minTtl() {
                return Duration.ofSeconds(1);
            }

            @Override
            public Duration patternDeleteTimeout() {
                return Duration.ofMinutes(2);
            }

            @Override
            public Duration redisTimeout() {
                return Duration.ofMillis(150);
            }

            public Optional<String> keySecret() {
                return Optional.of(secret);
            }

            public Optional<String> keyNamespace() {
                return Optional.empty();
            }

            public Optional<String> encryptionKey() {
                return Optional.ofNullable(key);
            }

            public Optional<List<String>> previousEncryptionKeys() {
                return Optional.of(previous);
            }

            public boolean plaintextAllowed() {
                return key == null;
            }

            public MemorySize compressAbove() {
                return new MemorySize(BigInteger.valueOf(1024));
            }

            public MemorySize maxDecodedSize() {
                return new MemorySize(BigInteger.valueOf(4 * 1024 * 1024));
            }

            public double ttlJitter() {
                return 0.1;
            }

            public String invalidationChannel() {
                return "x";
            }
        });
    }
}
