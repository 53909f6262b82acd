package clinic.ingress.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;

import clinic.ingress.cache.CacheCodec;
import clinic.ingress.cache.CacheCodecTest;

/**
 * Per-operation cost of the local tier and of the Redis value codec (scripts/bench.sh runs these).
 * The local tier is the same Caffeine AsyncCache quarkus-cache builds; the codec is the service's own.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CacheBenchmarks {

    private static final String KEY = "mem0:v1:00000000-0000-0000-0000-000000000000:0123456789abcdef";

    private AsyncCache<String, Object> local;
    private CacheCodec plain;
    private CacheCodec encrypted;
    private JsonNode directoryEntry;
    private JsonNode memories;
    private byte[] directoryBytes;
    private byte[] memoriesGzip;
    private byte[] memoriesGzipAes;
    private final Instant now = Instant.now();

    @Setup
    public void setUp() throws Exception {
        local = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(5)).buildAsync();
        for (int i = 0; i < 10_000; i++) {
            local.put("instance-" + i, CompletableFuture.completedFuture(Integer.valueOf(i)));
        }
        ObjectMapper json = new ObjectMapper();
        plain = CacheCodecTest.codec(null);
        encrypted = CacheCodecTest.codec(Base64.getEncoder().encodeToString(new byte[32]));
        directoryEntry = json.readTree("{\"clinic_id\":\"5b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a11\","
                + "\"organization_id\":\"0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01\",\"name\":\"Clinica Sorriso Centro\","
                + "\"whatsapp_number\":\"5511988887777\",\"api_key_sha256\":null}");
        StringBuilder items = new StringBuilder("{\"items\":[");
        for (int i = 0; i < 20; i++) {
            items.append(i == 0 ? "" : ",").append("{\"id\":\"0b7c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d").append(10 + i)
                    .append("\",\"memory\":\"Patient prefers morning appointments and is allergic to dipyrone, item ")
                    .append(i).append("\",\"score\":0.").append(50 + i)
                    .append(",\"created_at\":\"2025-10-02T10:11:12-07:00\"}");
        }
        memories = json.readTree(items.append("],\"deltaMs\":5000,\"freshForMs\":3600000}").toString());
        directoryBytes = plain.encode(KEY, directoryEntry, now);
        memoriesGzip = plain.encode(KEY, memories, now);
        memoriesGzipAes = encrypted.encode(KEY, memories, now);
    }

    @Benchmark
    public Object localTierHit() {
        return local.getIfPresent("instance-4242");
    }

    @Benchmark
    public byte[] encodeDirectoryEntry() {
        return plain.encode(KEY, directoryEntry, now);
    }

    @Benchmark
    public Object decodeDirectoryEntry() throws Exception {
        return plain.decode(KEY, directoryBytes);
    }

    @Benchmark
    public byte[] encodeMemoriesGzip() {
        return plain.encode(KEY, memories, now);
    }

    @Benchmark
    public Object decodeMemoriesGzip() throws Exception {
        return plain.decode(KEY, memoriesGzip);
    }

    @Benchmark
    public byte[] encodeMemoriesGzipAesGcm() {
        return encrypted.encode(KEY, memories, now);
    }

    @Benchmark
    public Object decodeMemoriesGzipAesGcm() throws Exception {
        return encrypted.decode(KEY, memoriesGzipAes);
    }
}
