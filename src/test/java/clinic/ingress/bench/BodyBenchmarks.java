package clinic.ingress.bench;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import clinic.ingress.evolution.EvolutionEvent;
import clinic.ingress.evolution.EvolutionParser;
import clinic.ingress.quarantine.Redaction;
import clinic.ingress.support.Pathological;

/**
 * What a body that is not JSON costs before it is answered: the parse that finds it is not JSON, and
 * the redaction of what quarantine keeps (up to 256 KiB), for the run pattern that made the old
 * redaction quadratic (1,023-character base64 runs separated by '-'), at 1, 4, 16 and 64 KiB. Flat
 * time per KiB means linear. scripts/bench.sh runs it (BENCH_SECTIONS=edge and all).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BodyBenchmarks {

    @Param({ "1", "4", "16", "64" })
    public int kib;

    private final EvolutionParser parser = new EvolutionParser(false, 16 << 20);
    private byte[] body;

    @Setup
    public void setUp() {
        body = Pathological.runs(1023, kib).getBytes(StandardCharsets.ISO_8859_1);
    }

    @Benchmark
    public EvolutionEvent parse() {
        return parser.parse(null, body);
    }

    @Benchmark
    public byte[] redact() {
        return Redaction.of(body);
    }

    /** The regular expressions Redaction used before (main eb79eff): the baseline, same run. */
    @Benchmark
    public byte[] redactWithTheOldExpressions() {
        String text = new String(body, StandardCharsets.ISO_8859_1);
        text = OLD_CREDENTIAL.matcher(text).replaceAll("$1[removed]$2");
        text = OLD_BASE64.matcher(text).replaceAll(run -> "[" + run.group().length() + " base64 characters removed]");
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static final Pattern OLD_CREDENTIAL = Pattern.compile("(\"(?i:api_?key)\"\\s*:\\s*\")[^\"]*(\")");
    private static final Pattern OLD_BASE64 = Pattern.compile("[A-Za-z0-9+/]{1024,}={0,2}");
}
