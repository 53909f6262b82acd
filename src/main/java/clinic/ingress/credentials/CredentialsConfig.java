package clinic.ingress.credentials;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Who may write as an instance ({@code ingress.webhook.*}: the global token and its header, the JWT
 * secret, instance apikeys and secrets). Shares its prefix with the webhook's other mappings.
 */
@ConfigMapping(prefix = "ingress.webhook")
public interface CredentialsConfig {
    /** Shared secret Evolution sends as a custom webhook header. */
    Optional<String> token();

    /** Name of the header carrying {@link #token()}. */
    @WithDefault("X-Webhook-Token")
    String tokenHeader();

    /** The instance's {@code jwt_key}: verifies Evolution's HS256 {@code Authorization: Bearer} token (2.3.0+). */
    Optional<String> jwtSecret();

    /** Clock skew tolerated when checking the JWT's {@code exp}. */
    @WithDefault("30s")
    Duration jwtClockSkew();

    /** Longest JWT lifetime ({@code exp - iat}) accepted; Evolution issues 10-minute tokens. */
    @WithDefault("15m")
    Duration jwtMaxLifetime();

    /** Accept the body {@code apikey} when it matches the instance's stored token hash. */
    @WithDefault("false")
    boolean instanceApikeyEnabled();

    /**
     * Refuse every sender that does not present its instance's own secret
     * ({@code core.whatsapp_instances.webhook_secret_sha256}): the global token, the JWT secret and
     * the body apikey then authenticate nothing.
     */
    @WithDefault("false")
    boolean requireInstanceSecret();

    /** Safety-net reload of the per-instance secret index (changes normally arrive by NOTIFY at once). */
    @WithDefault("1m")
    Duration secretRefresh();

    /** Whether any credential is configured; prod refuses to start without one. */
    default boolean anyCredential() {
        return token().isPresent() || jwtSecret().isPresent() || instanceApikeyEnabled() || requireInstanceSecret();
    }
}
