package clinic.ingress.credentials;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.ErrorCodeValidator;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.HmacKey;

/**
 * Checks the credentials Evolution can send, from the headers alone: a shared-secret header (the
 * global token or an instance's own secret), its {@code jwt_key} Bearer token, or, later and only
 * when enabled, the instance token in the body's {@code apikey}.
 *
 * <p>
 * Secrets are compared as SHA-256 digests with {@link MessageDigest#isEqual}, so neither their
 * content nor their length leaks through timing. JWTs: HS256 only, {@code exp} and {@code iat}
 * required, a lifetime ({@code exp - iat}) of at most {@code ingress.webhook.jwt-max-lifetime}
 * (Evolution issues 10 minutes, so a captured token cannot be replayed for long), and
 * {@code app}/{@code action} must be Evolution's when present.
 */
@ApplicationScoped
public class Credentials {

    private final CredentialsConfig config;
    private final InstanceSecrets secrets;
    private final Optional<byte[]> tokenDigest;
    private final Optional<JwtConsumer> jwt;

    public Credentials(CredentialsConfig config, InstanceSecrets secrets) {
        this.config = config;
        this.secrets = secrets;
        this.tokenDigest = config.token().map(Secrets::sha256);
        this.jwt = config.jwtSecret().map(secret -> new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setRequireIssuedAt()
                .setAllowedClockSkewInSeconds((int) config.jwtClockSkew().toSeconds())
                // Evolution signs with whatever jwt_key the clinic typed, often shorter than 256 bits.
                .setRelaxVerificationKeyValidation()
                .setVerificationKey(new HmacKey(secret.getBytes(StandardCharsets.UTF_8)))
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.HMAC_SHA256)
                .setSkipDefaultAudienceValidation()
                .registerValidator(evolutionClaims(config.jwtMaxLifetime().toSeconds()))
                .build());
    }

    /** The header the global token and instance secrets come in ({@code ingress.webhook.token-header}). */
    public String tokenHeader() {
        return config.tokenHeader();
    }

    /** Whether only an instance's own secret may write as it ({@code ingress.webhook.require-instance-secret}). */
    public boolean instanceSecretRequired() {
        return config.requireInstanceSecret();
    }

    /** Whether a body {@code apikey} may vouch for its instance ({@code ingress.webhook.instance-apikey-enabled}). */
    public boolean apikeyEnabled() {
        return config.instanceApikeyEnabled();
    }

    /**
     * Who the headers say the sender is.
     *
     * @param token value of the configured token header, or null
     * @param authorization value of the {@code Authorization} header, or null
     */
    public Sender authenticate(String token, String authorization) {
        if (token != null) {
            byte[] digest = Secrets.sha256(token);
            if (tokenDigest.isPresent() && MessageDigest.isEqual(tokenDigest.get(), digest)) {
                return Sender.GLOBAL;
            }
            String instance = secrets.instanceFor(digest);
            return instance != null ? Sender.instance(instance) : Sender.REJECTED;
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return jwt.isPresent() && validJwt(authorization.substring(7).trim()) ? Sender.JWT : Sender.REJECTED;
        }
        if (config.instanceApikeyEnabled()) {
            return Sender.BODY_APIKEY;
        }
        return config.anyCredential() ? Sender.ABSENT : Sender.OPEN;
    }

    /**
     * Whether a sender recorded with a quarantined message (its credential's label and, for an
     * instance secret, the instance) could write as {@code instance} now: what a replay may store.
     * A row kept before provenance was recorded ({@code credential} null) came from the global token
     * or JWT (an instance secret vouches only for an instance in the directory) and is judged as
     * theirs. A body apikey cannot be checked again (it is not kept): refused.
     */
    public boolean stillMayWriteAs(String credential, String senderInstance, String instance) {
        Sender.Kind kind = credential == null ? null : Sender.Kind.ofLabel(credential);
        boolean global = !config.requireInstanceSecret() && !secrets.secured(instance);
        if (credential == null) {
            return global && (config.token().isPresent() || config.jwtSecret().isPresent());
        }
        if (kind == null) {
            return false;
        }
        return switch (kind) {
            case INSTANCE -> instance.equals(senderInstance);
            case GLOBAL -> global && config.token().isPresent();
            case JWT -> global && config.jwtSecret().isPresent();
            case OPEN -> !config.anyCredential();
            default -> false;
        };
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
        return MessageDigest.isEqual(stored, Secrets.sha256(apikey));
    }

    private boolean validJwt(String token) {
        try {
            jwt.get().processToClaims(token);
            return true;
        } catch (InvalidJwtException e) {
            return false;
        }
    }

    /** Lifetime bound, and Evolution's {@code app}/{@code action} claims when they are present. */
    private static ErrorCodeValidator evolutionClaims(long maxLifetimeSeconds) {
        return context -> {
            JwtClaims claims = context.getJwtClaims();
            try {
                if (claims.getExpirationTime() == null || claims.getIssuedAt() == null) {
                    return null; // the required-claim checks report it
                }
                long lifetime = claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue();
                if (lifetime > maxLifetimeSeconds || lifetime <= 0) {
                    return new ErrorCodeValidator.Error(-1, "lifetime " + lifetime + " s not accepted");
                }
                if (claims.hasClaim("app") && !"evolution".equals(claims.getStringClaimValue("app"))
                        || claims.hasClaim("action") && !"webhook".equals(claims.getStringClaimValue("action"))) {
                    return new ErrorCodeValidator.Error(-1, "not an Evolution webhook token");
                }
                return null;
            } catch (MalformedClaimException e) {
                return new ErrorCodeValidator.Error(-1, "malformed claims");
            }
        };
    }
}
