package clinic.ingress.webhook;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * What may be kept of a body that is not JSON (so nothing could be removed field by field): its
 * first bytes, with every {@code "apikey": "..."} value and every long base64 run blanked. Works on
 * the bytes as ISO-8859-1, which maps each byte to one character and back, so whatever else the
 * body holds is kept byte for byte, valid UTF-8 or not.
 */
final class Redaction {

    private static final Pattern CREDENTIAL = Pattern.compile("(\"(?i:api_?key)\"\\s*:\\s*\")[^\"]*(\")");
    /** Media or a thumbnail: base64 runs of 1 KiB or more. */
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]{1024,}={0,2}");

    private Redaction() {
    }

    static byte[] of(byte[] prefix) {
        String text = new String(prefix, StandardCharsets.ISO_8859_1);
        text = CREDENTIAL.matcher(text).replaceAll("$1[removed]$2");
        text = BASE64.matcher(text).replaceAll(run -> "[" + run.group().length() + " base64 characters removed]");
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
