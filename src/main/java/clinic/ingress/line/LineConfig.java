package clinic.ingress.line;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Each WhatsApp line's status ({@code ingress.lines.*}). */
@ConfigMapping(prefix = "ingress.lines")
interface LineConfig {

    /**
     * How often the lines are counted by state for {@code ingress.lines{state}} and the longest a line
     * has been down for {@code ingress.lines.down.longest.seconds} (alert {@code LineDown} at 5 minutes).
     */
    @WithDefault("30s")
    Duration countInterval();
}
