package clinic.ingress.webhook;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.HmacKey;

/**
 * Checks the credentials Evolution can send: a shared-secret header, its {@code jwt_key} Bearer
 * token (HS256, {@code exp} required), or the instance token in the body's {@code apikey}.
 * Secrets are compared as SHA-256 digests with {@link MessageDigest#isEqual}, so neither their
 * content nor their length leaks through timing.
 */
@ApplicationScoped
public class Credentials {

    /** What the request headers prove. */
    public enum Verdict {
        /** A configured header credential matched. */
        AUTHENTICATED,
        /** A header credential was presented and is wrong, expired or malformed. */
        REJECTED,
        /** No header credential was presented. */
        ABSENT
    }

    private final Optional<byte[]> tokenDigest;
    private final Optional<JwtConsumer> jwt;

    public Credentials(WebhookConfig config) {
        this.tokenDigest = config.token().map(Credentials::sha256);
        this.jwt = config.jwtSecret().map(secret -> new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setAllowedClockSkewInSeconds((int) config.jwtClockSkew().toSeconds())
                // Evolution signs with whatever jwt_key the clinic typed, often shorter than 256 bits.
                .setRelaxVerificationKeyValidation()
                .setVerificationKey(new HmacKey(secret.getBytes(StandardCharsets.UTF_8)))
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.HMAC_SHA256)
                .setSkipDefaultAudienceValidation()
                .build());
    }

    /**
     * @param token         value of the configured token header, or null
     * @param authorization value of the {@code Authorization} header, or null
     */
    public Verdict check(String token, String authorization) {
        if (token != null) {
            return tokenDigest.isPresent() && MessageDigest.isEqual(tokenDigest.get(), sha256(token))
                    ? Verdict.AUTHENTICATED
                    : Verdict.REJECTED;
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return jwt.isPresent() && validJwt(authorization.substring(7).trim())
                    ? Verdict.AUTHENTICATED
                    : Verdict.REJECTED;
        }
        return Verdict.ABSENT;
    }

    /** Whether the body {@code apikey} matches the instance's stored SHA-256 (hex). */
    public boolean apikeyMatches(String apikey, String storedSha256Hex) {
        if (apikey == null || apikey.isEmpty() || storedSha256Hex == null) {
            return false;
        }
        byte[] stored;
        try {
            stored = HexFormat.of().parseHex(storedSha256Hex.trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(stored, sha256(apikey));
    }

    /** Compares two secrets in constant time, whatever their content or length (SHA-256 digests). */
    public static boolean sameSecret(String presented, String expected) {
        return MessageDigest.isEqual(sha256(presented == null ? "" : presented), sha256(expected));
    }

    private boolean validJwt(String token) {
        try {
            jwt.get().processToClaims(token);
            return true;
        } catch (InvalidJwtException e) {
            return false;
        }
    }

    static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }
}
