package clinic.ingress.cache;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How Redis is watched for the readiness details and {@code ingress.redis.up} ({@code ingress.redis.*}). */
@ConfigMapping(prefix = "ingress.redis")
interface RedisReportConfig {

    /** Between two PINGs: how stale the reported state may be. */
    @WithDefault("5s")
    Duration pingInterval();

    /** A PING not answered within this counts as Redis down. */
    @WithDefault("1s")
    Duration pingTimeout();
}
