package clinic.ingress.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.configuration.MemorySize;

/**
 * The Redis value format: round trips, and every kind of foreign value refused.
 */
public class CacheCodecTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY_A = Base64.getEncoder().encodeToString(new byte[32]);
    public static final String KEY_B = Base64.getEncoder().encodeToString("another-32-byte-key-0123456789ab".getBytes());

    @Test
    void roundTripsPlainCompressedAndEncrypted() throws Exception {
        JsonNode small = JSON.readTree("{\"name\":\"Clínica\"}");
        JsonNode large = JSON.readTree("{\"text\":\"" + "memória ".repeat(500) + "\"}");
        Instant fetched = Instant.ofEpochMilli(1_761_055_391_123L);
        for (CacheCodec codec : new CacheCodec[] {codec(null), codec(KEY_A)}) {
            for (JsonNode data : new JsonNode[] {small, large}) {
                CachedValue value = codec.decode(codec.encode(data, fetched));
                assertThat(value.data()).isEqualTo(data);
                assertThat(value.fetchedAt()).isEqualTo(fetched);
            }
        }
        byte[] compressed = codec(null).encode(large, fetched);
        assertThat(compressed[0] & 0xff).isEqualTo(0x1f);
        assertThat(compressed.length).isLessThan(large.toString().length() / 4);
        assertThat(new String(codec(KEY_A).encode(small, fetched))).doesNotContain("Cl");
    }

    @Test
    void foreignValuesAreUndecodable() throws Exception {
        CacheCodec plain = codec(null);
        byte[] underB = codec(KEY_B).encode(JSON.readTree("{}"), Instant.now());
        assertThatThrownBy(() -> codec(KEY_A).decode(underB)).isInstanceOf(CacheCodec.UndecodableValue.class)
                .hasMessageContaining("decrypt");
        assertThatThrownBy(() -> plain.decode(underB)).isInstanceOf(CacheCodec.UndecodableValue.class);
        assertThatThrownBy(() -> codec(KEY_A).decode(plain.encode(JSON.readTree("{}"), Instant.now())))
                .isInstanceOf(CacheCodec.UndecodableValue.class);
        assertThatThrownBy(() -> plain.decode("{\"v\":2,\"fetchedAt\":1,\"data\":{}}".getBytes()))
                .isInstanceOf(CacheCodec.UndecodableValue.class).hasMessageContaining("version");
        assertThatThrownBy(() -> plain.decode("{\"v\":1,\"data\":{}}".getBytes())).isInstanceOf(CacheCodec.UndecodableValue.class);
        assertThatThrownBy(() -> plain.decode(new byte[] {(byte) 0x80, 4, (byte) 0x95})).isInstanceOf(CacheCodec.UndecodableValue.class);
        assertThatThrownBy(() -> plain.decode(new byte[0])).isInstanceOf(CacheCodec.UndecodableValue.class);
        assertThatThrownBy(() -> plain.decode(gzip(new byte[8 * 1024 * 1024])))
                .isInstanceOf(CacheCodec.UndecodableValue.class).hasMessageContaining("decompressed");
    }

    private static byte[] gzip(byte[] bytes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }

    public static CacheCodec codec(String key) {
        return new CacheCodec(JSON, new CacheConfig() {
            public boolean redisEnabled() { return true; }
            public Duration redisTimeout() { return Duration.ofMillis(150); }
            public Optional<String> keySecret() { return Optional.of("s"); }
            public Optional<String> encryptionKey() { return Optional.ofNullable(key); }
            public MemorySize compressAbove() { return new MemorySize(java.math.BigInteger.valueOf(1024)); }
            public MemorySize maxDecodedSize() { return new MemorySize(java.math.BigInteger.valueOf(4 * 1024 * 1024)); }
            public double ttlJitter() { return 0.1; }
            public String invalidationChannel() { return "x"; }
        });
    }
}
