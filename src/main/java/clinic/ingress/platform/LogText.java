package clinic.ingress.platform;

/**
 * Makes a value that came from a request body safe for a log line: control and format characters
 * (line breaks, bidirectional overrides, zero-width marks) escaped as {@code \\uXXXX}, so a sender
 * cannot forge or hide log lines, and at most 100 characters kept. Only for identifiers (instance
 * names, message ids): patients' data never goes into a log line at all.
 */
public final class LogText {

    private static final int MAX = 100;

    private LogText() {
    }

    public static String escape(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX) + 2);
        for (int i = 0; i < value.length() && i < MAX; i++) {
            char c = value.charAt(i);
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE
                            && !(Character.isHighSurrogate(c) && i + 1 < value.length()
                                    && Character.isLowSurrogate(value.charAt(i + 1)))
                            && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(value.charAt(i - 1)))) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (value.length() > MAX) {
            out.append("...");
        }
        return out.toString();
    }
}
