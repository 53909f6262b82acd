package clinic.ingress.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The linear redaction keeps what the regular expressions it replaced kept, and blanks what they
 * blanked (checked against them on generated text), without their backtracking.
 */
@Tag("fast")
class RedactionTest {

    /** The expressions Redaction used before: the reference for what must be removed. */
    private static final Pattern CREDENTIAL = Pattern.compile("(\"(?i:api_?key)\"\\s*:\\s*\")[^\"]*(\")");
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]{1024,}={0,2}");

    private static String reference(String text) {
        String out = CREDENTIAL.matcher(text).replaceAll("$1[removed]$2");
        return BASE64.matcher(out).replaceAll(run -> "[" + run.group().length() + " base64 characters removed]");
    }

    private static String redact(String text) {
        return new String(Redaction.of(text.getBytes(StandardCharsets.ISO_8859_1)), StandardCharsets.ISO_8859_1);
    }

    @Property(tries = 2_000)
    void sameAsTheRegularExpressions(@ForAll("texts") String text) {
        // Two quotes at the end close any value left open: the expressions kept a value the kept bytes
        // cut off, which Redaction blanks (see below).
        String closed = text + "\"\"";
        assertThat(redact(closed)).isEqualTo(reference(closed));
    }

    @Test
    void aValueCutOffByTheEndOfTheKeptBytesIsBlankedToo() {
        assertThat(redact("not json {\"ApiKey\" : \"B6D711FCDE4D4FD59365")).isEqualTo("not json {\"ApiKey\" : \"[removed]");
    }

    @Test
    void bytesThatAreNotUtf8AreKeptAsTheyAre() {
        byte[] body = { 'x', (byte) 0xff, 0, (byte) 0xc3, '"', 'a', 'p', 'i', 'k', 'e', 'y', '"', ':', '"', 's', '"' };
        byte[] kept = Redaction.of(body);
        assertThat(new String(kept, StandardCharsets.ISO_8859_1)).isEqualTo("x\u00ff\u0000\u00c3\"apikey\":\"[removed]\"");
    }

    @Test
    void theRunPatternThatMadeTheExpressionsQuadraticIsBlankedRunByRun() {
        String run = "A".repeat(1023);
        String body = String.join("-", java.util.Collections.nCopies(64, run)) + "-" + "B".repeat(1030) + "==";
        String redacted = redact(body);
        assertThat(redacted).endsWith("-[1032 base64 characters removed]").startsWith(run + "-");
        assertThat(redacted.length()).isEqualTo(64 * 1024 + "[1032 base64 characters removed]".length());
    }

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> pieces = Arbitraries.oneOf(
                Arbitraries.of("\"apikey\"", "\"API_KEY\"", "\"apiKey\" ", "\"api-key\"", ":", " : ", "\t\"", "\"",
                        "secret", "{", "}", ",", "=", "==", "-", "\n", "x\u00e9\u00ff"),
                Arbitraries.strings().withChars("ABCxyz019+/").ofMinLength(1).ofMaxLength(1100),
                Arbitraries.integers().between(1020, 1030).map("Q"::repeat));
        return pieces.list().ofMaxSize(30).map(List::stream).map(s -> s.reduce("", String::concat));
    }
}
