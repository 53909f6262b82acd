package clinic.ingress.support;

import java.util.Collections;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Bodies built to be expensive rather than wrong, each with the answer it must get: base64-like
 * runs just under the redaction threshold (what made the old redaction quadratic), deep nesting,
 * long strings and names, many keys. Shared by {@code PathologicalBodiesTest} (answers) and the
 * benchmarks that time them ({@code bench.BodyBenchmarks}).
 */
public final class Pathological {

    /** A body and the status it must be answered with. */
    public record Body(String kind, String json, int status) {
    }

    private Pathological() {
    }

    /** Not JSON: runs of {@code run} base64 characters separated by '-', {@code kib} KiB in all. */
    public static String runs(int run, int kib) {
        String piece = "A".repeat(run) + "-";
        int count = Math.max(1, kib * 1024 / piece.length());
        return String.join("", Collections.nCopies(count, piece));
    }

    public static Arbitrary<Body> bodies(String instance) {
        Arbitrary<Body> runs = Combinators.combine(Arbitraries.integers().between(900, 1023),
                Arbitraries.integers().between(1, 64))
                .as((run, kib) -> new Body("runs", runs(run, kib), 400));
        Arbitrary<Body> nested = Combinators.combine(Arbitraries.integers().between(65, 20_000), Arbitraries.of("[", "{\"a\":"))
                .as((depth, open) -> new Body("nested", open.repeat(depth) + "1" + (open.equals("[") ? "]" : "}").repeat(depth),
                        400));
        Arbitrary<Body> longText = Arbitraries.integers().between(10_000, 200_000)
                .map(length -> new Body("long-text", Evolution.text(instance, "5511930000001", "x".repeat(length)).json(),
                        200));
        Arbitrary<Body> longName = Arbitraries.integers().between(1_025, 50_000)
                .map(length -> {
                    Evolution event = Evolution.text(instance, "5511930000002", "nome longo");
                    event.data().put("n".repeat(length), 1);
                    return new Body("long-name", event.json(), 400);
                });
        // Around Jackson's token limit (100,000 tokens: a key and its value are two) on both sides.
        Arbitrary<Body> manyKeys = Arbitraries.oneOf(Arbitraries.integers().between(1_000, 5_000),
                Arbitraries.integers().between(49_000, 52_000))
                .map(keys -> {
                    Evolution event = Evolution.text(instance, "5511930000003", "muitas chaves");
                    for (int i = 0; i < keys; i++) {
                        event.data().put("k" + i, i);
                    }
                    // Jackson's token limit (100,000) counts a key and its value: beyond it, refused.
                    return new Body("many-keys", event.json(), keys * 2 > 99_900 ? 400 : 200);
                });
        return Arbitraries.oneOf(runs, nested, longText, longName, manyKeys);
    }
}
