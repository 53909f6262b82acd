package clinic.ingress.memory;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * mem0 connection settings ({@code ingress.mem0.*}). Memory is off when no base URL is set.
 * Timeout, circuit breaker and bulkhead of each call are SmallRye Fault Tolerance settings
 * ({@code quarkus.fault-tolerance."clinic.ingress.memory.Mem0Gateway/search".*}), see
 * application.properties.
 */
@ConfigMapping(prefix = "ingress.mem0")
interface Mem0Config {

    /** Which API generation: the hosted platform's v3 (default), v2 or v1, or the self-hosted server. */
    enum Api {
        V3,
        V2,
        V1,
        OSS
    }

    /** e.g. https://api.mem0.ai, or the self-hosted server's URL. */
    Optional<String> baseUrl();

    /** Platform: sent as {@code Authorization: Token <key>}; self-hosted: as {@code X-API-Key}. */
    Optional<String> apiKey();

    @WithDefault("v3")
    Api api();

    /**
     * The REST client's own read timeout. SmallRye's @Timeout stops waiting but does not cancel the
     * call, so this bounds how long a slow mem0 request holds a connection.
     */
    @WithDefault("10s")
    Duration readTimeout();

    @WithDefault("2s")
    Duration connectTimeout();

    /**
     * HTTP connections to mem0. At least the search bulkhead plus the write concurrency: a smaller
     * pool queues calls inside the client, where no timeout or bulkhead sees them.
     */
    @WithDefault("64")
    int connectionPoolSize();

    /** Search query run for a patient: the memory profile the assistant gets with every turn. */
    @WithDefault("patient preferences, health conditions, allergies, appointments and history")
    String query();

    @WithDefault("20")
    int topK();

    /** mem0 score threshold, sent explicitly because its default changed between versions. */
    @WithDefault("0.1")
    double threshold();
}
