package clinic.ingress;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings of the service as a whole ({@code ingress.*} outside the feature mappings).
 */
@ConfigMapping(prefix = "ingress")
public interface IngressConfig {

    /**
     * Missing or weak secrets stop the start ({@link StartupGuard}); false (dev and test profiles)
     * only warns, so a laptop runs without production secrets.
     */
    @WithDefault("true")
    boolean failClosed();
}
