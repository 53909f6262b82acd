package clinic.ingress.dispatch;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * The turn's JSON documents (its memory, the sealed secret) written as text with Jackson's own
 * string escaping, so they read as a tree's {@code toString()} did: building a tree and a generator
 * for each turn was a tenth of the write path's allocation (JFR, docs/benchmarks.md).
 */
final class JsonText {

    private JsonText() {
    }

    /** {@code value} as a JSON string, or {@code null}. */
    static StringBuilder string(StringBuilder json, String value) {
        if (value == null) {
            return json.append("null");
        }
        json.append('"');
        JsonStringEncoder.getInstance().quoteAsString(value, json);
        return json.append('"');
    }

    /** {@code value} as Jackson writes a double: a number, or a string when not finite. */
    static StringBuilder number(StringBuilder json, double value) {
        return Double.isFinite(value) ? json.append(value) : string(json, Double.toString(value));
    }
}
