package clinic.ingress.admin;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/**
 * Admin endpoint settings ({@code ingress.admin.*}).
 */
@ConfigMapping(prefix = "ingress.admin")
public interface AdminConfig {

    /** Bearer token for {@code /admin/*}; without it the admin endpoints answer 404. */
    Optional<String> token();
}
