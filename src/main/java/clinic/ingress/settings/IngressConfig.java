package clinic.ingress.settings;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings of the service as a whole ({@code ingress.*} outside the feature mappings), in a package
 * of their own so that any feature reads them from here rather than again by name.
 */
@ConfigMapping(prefix = "ingress")
public interface IngressConfig {

    /**
     * Missing or weak secrets stop the start ({@code clinic.ingress.StartupGuard}); false (dev and test profiles)
     * only warns, so a laptop runs without production secrets.
     */
    @WithDefault("true")
    boolean failClosed();
}
