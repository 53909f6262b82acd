package clinic.ingress.credentials;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Secret comparisons that leak neither content nor length through timing: both sides are compared
 * as SHA-256 digests with {@link MessageDigest#isEqual}.
 */
public final class Secrets {

    private static final ThreadLocal<MessageDigest> DIGESTS = ThreadLocal.withInitial(Secrets::newDigest);

    private Secrets() {
    }

    public static boolean same(String presented, String expected) {
        return MessageDigest.isEqual(sha256(presented == null ? "" : presented), sha256(expected));
    }

    public static byte[] sha256(String value) {
        return sha256(value.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] sha256(byte[] value) {
        return sha256().digest(value);
    }

    /**
     * This thread's SHA-256 digest, reset: every webhook needs one or two, and looking one up in the
     * providers for each was an allocation per message (JFR, docs/benchmarks.md). digest() resets it.
     */
    public static MessageDigest sha256() {
        MessageDigest digest = DIGESTS.get();
        digest.reset();
        return digest;
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }
}
