package clinic.ingress.quarantine;

import java.nio.charset.StandardCharsets;

/**
 * What may be kept of a body that is not JSON (so nothing could be removed field by field): its
 * first bytes, with every {@code "apikey": "..."} value and every long base64 run blanked. Works on
 * the bytes as ISO-8859-1, which maps each byte to one character and back, so whatever else the
 * body holds is kept byte for byte, valid UTF-8 or not.
 *
 * <p>
 * Two scans, each looking at every character a bounded number of times: linear in the body, whatever
 * it holds. (The regular expressions this replaced backtracked: 1,023-character base64 runs cost a
 * third of a second per 64 KiB.) Only called for a body quarantine keeps, after its sender is known.
 */
public final class Redaction {

    /** Media or a thumbnail: base64 runs of 1 KiB or more. */
    static final int BASE64_RUN = 1024;
    private static final String REMOVED = "[removed]";

    private Redaction() {
    }

    public static byte[] of(byte[] prefix) {
        String text = new String(prefix, StandardCharsets.ISO_8859_1);
        return base64Runs(credentials(text)).getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Blanks the value of every {@code "apikey"} or {@code "api_key"} (any case) followed by a colon
     * and a string; a value cut off by the end of the kept bytes is blanked to the end.
     */
    static String credentials(String text) {
        StringBuilder out = null;
        int copied = 0;
        for (int i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) {
            int valueStart = valueAfterKey(text, i);
            if (valueStart < 0) {
                continue;
            }
            int valueEnd = text.indexOf('"', valueStart);
            out = out == null ? new StringBuilder(text.length()) : out;
            out.append(text, copied, valueStart).append(REMOVED);
            if (valueEnd < 0) {
                return out.toString();
            }
            copied = valueEnd;
            i = valueEnd;
        }
        return out == null ? text : out.append(text, copied, text.length()).toString();
    }

    /** Where the value's characters start if a credential key opens at {@code quote}; -1 otherwise. */
    private static int valueAfterKey(String text, int quote) {
        int afterName = name(text, quote + 1, "apikey\"");
        if (afterName < 0) {
            afterName = name(text, quote + 1, "api_key\"");
        }
        if (afterName < 0) {
            return -1;
        }
        int i = spaces(text, afterName);
        if (i >= text.length() || text.charAt(i) != ':') {
            return -1;
        }
        i = spaces(text, i + 1);
        return i < text.length() && text.charAt(i) == '"' ? i + 1 : -1;
    }

    private static int name(String text, int at, String name) {
        return text.regionMatches(true, at, name, 0, name.length()) ? at + name.length() : -1;
    }

    /** The first index at or after {@code i} that is not whitespace (what {@code \s} matched). */
    private static int spaces(String text, int i) {
        while (i < text.length() && " \t\n\u000b\f\r".indexOf(text.charAt(i)) >= 0) {
            i++;
        }
        return i;
    }

    /** Replaces every base64 run of {@link #BASE64_RUN} characters or more (with its padding) by its length. */
    static String base64Runs(String text) {
        StringBuilder out = null;
        int copied = 0;
        int i = 0;
        while (i < text.length()) {
            if (!isBase64(text.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            while (i < text.length() && isBase64(text.charAt(i))) {
                i++;
            }
            if (i - start < BASE64_RUN) {
                continue;
            }
            int end = i;
            while (end < text.length() && end - i < 2 && text.charAt(end) == '=') {
                end++;
            }
            out = out == null ? new StringBuilder(text.length()) : out;
            out.append(text, copied, start).append('[').append(end - start).append(" base64 characters removed]");
            copied = end;
            i = end;
        }
        return out == null ? text : out.append(text, copied, text.length()).toString();
    }

    private static boolean isBase64(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/';
    }
}
