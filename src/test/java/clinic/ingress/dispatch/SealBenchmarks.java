package clinic.ingress.dispatch;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What sealing a turn costs (ingress.dispatch.seal-key): the turn's fields as the publisher builds them,
 * a text of about 100 characters and 20 memories (about 2.5 KB), unsealed (the map passed through)
 * and sealed (AES-256-GCM of text and memory, base64). scripts/bench.sh runs it with CacheBenchmarks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SealBenchmarks {

    private static final String STREAM = "ingress:turns:{3}";

    private final TurnSeal none = new TurnSeal((byte[]) null);
    private final TurnSeal sealing = new TurnSeal(new byte[32]);
    private Map<String, String> fields;

    @Setup
    public void setUp() {
        StringBuilder memory = new StringBuilder("{\"state\":\"cached\",\"items\":[");
        for (int i = 0; i < 20; i++) {
            memory.append(i == 0 ? "" : ",").append("{\"id\":\"0b7c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d").append(10 + i)
                    .append("\",\"memory\":\"Patient prefers morning appointments and is allergic to dipyrone, item ")
                    .append(i).append("\",\"score\":0.").append(50 + i).append('}');
        }
        fields = new LinkedHashMap<>();
        fields.put("turnId", "0193a5f2-7c1d-7e4b-9a2f-3c4d5e6f7a8b");
        fields.put("clinic", "5b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a11");
        fields.put("organization", "0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01");
        fields.put("patient", "p_" + "0123456789abcdef".repeat(4));
        fields.put("text", "Bom dia, posso remarcar a consulta de quinta para sexta à tarde? Obrigada, Maria.");
        fields.put("messageTimestamp", "2026-12-04T10:11:12Z");
        fields.put("memory", memory.append("]}").toString());
    }

    @Benchmark
    public Map<String, String> unsealed() {
        return none.apply(STREAM, new LinkedHashMap<>(fields));
    }

    @Benchmark
    public Map<String, String> sealed() {
        // Sealing takes text and memory out of the map it is given: each call gets its own copy.
        return sealing.apply(STREAM, new LinkedHashMap<>(fields));
    }
}
