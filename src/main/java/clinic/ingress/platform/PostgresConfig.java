package clinic.ingress.platform;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings of the reactive PostgreSQL pool that Quarkus has no key for ({@code ingress.postgres.*}).
 */
@ConfigMapping(prefix = "ingress.postgres")
public interface PostgresConfig {

    /**
     * Requests that may wait for a pool connection; beyond this they fail at once (the webhook
     * answers 503) instead of queueing without bound behind a PostgreSQL that hangs.
     */
    @WithDefault("2000")
    int maxWaitQueue();

    /**
     * Longest SQL text kept in the per-connection prepared-statement cache. The client's default
     * (2,048 characters) is shorter than the store statement, which was then parsed, planned and
     * prepared again for every batch.
     */
    @WithDefault("16384")
    int preparedStatementCacheSqlLimit();
}
