package clinic.ingress.cache;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A value read back from Redis: its data and when it was fetched from the source of truth.
 *
 * @param data      the cached data; a JSON null is a negative entry ("known not to exist")
 * @param fetchedAt when the data was read from its source, for freshness decisions
 */
public record CachedValue(JsonNode data, Instant fetchedAt) {

    public boolean negative() {
        return data == null || data.isNull();
    }
}
