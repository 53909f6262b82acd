package clinic.ingress.admin;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Admin endpoint settings ({@code ingress.admin.*}). Operators have tokens of their own
 * ({@code core.admin_operators}, scripts/admin-operator.sh); this one is for development and a
 * first start, and is audited under its own name.
 */
@ConfigMapping(prefix = "ingress.admin")
public interface AdminConfig {

    /**
     * A shared Bearer token for {@code /admin/*}, audited as {@code ingress.admin.token} (prod warns
     * while it is set): give each operator a token of their own instead.
     */
    Optional<String> token();

    /** Most audit rows {@code GET /admin/audit} returns at once (newest first; {@code ?limit=} asks for fewer). */
    @WithDefault("500")
    int auditPageLimit();
}
