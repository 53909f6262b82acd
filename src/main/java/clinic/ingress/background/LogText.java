package clinic.ingress.background;

/**
 * Makes a value that came from a request body safe for a log line: control and format characters
 * (line breaks, bidirectional overrides, zero-width marks) and lone surrogates escaped as
 * {@code \\uXXXX}, so a sender cannot forge or hide log lines, and at most 100 characters kept. Only
 * for identifiers (instance names, message ids): patients' data never goes into a log line at all.
 */
public final class LogText {

    private static final int MAX = 100;

    private LogText() {
    }

    /**
     * {@code value} for a {@code %s} of a log line, escaped only when the line is written: a DEBUG
     * line on the webhook path costs nothing while DEBUG is off.
     */
    public static Object of(String value) {
        return new Escaped(value);
    }

    private record Escaped(String value) {
        @Override
        public String toString() {
            return escape(value);
        }
    }

    static String escape(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        // Code points, not chars: a surrogate pair (an emoji) is one printable character, a lone
        // surrogate stays a code point of type SURROGATE and is escaped.
        value.codePoints().limit(MAX).forEach(c -> {
            switch (Character.getType(c)) {
                case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                        Character.SURROGATE ->
                    out.append(String.format("\\u%04x", c));
                default -> out.appendCodePoint(c);
            }
        });
        if (value.codePointCount(0, value.length()) > MAX) {
            out.append("...");
        }
        return out.toString();
    }
}
