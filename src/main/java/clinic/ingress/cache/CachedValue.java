package clinic.ingress.cache;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A value read back from Redis: its data and when it was fetched from the source of truth.
 *
 * @param data the cached data; a JSON null is a negative entry ("known not to exist")
 * @param fetchedAt when the data was read from its source, for freshness decisions
 * @param rekey sealed under a previous encryption key (a rotation is under way): to be written
 *        again under the current one
 */
public record CachedValue(JsonNode data, Instant fetchedAt, boolean rekey) {

    public CachedValue(JsonNode data, Instant fetchedAt) {
        this(data, fetchedAt, false);
    }

    public boolean negative() {
        return data == null || data.isNull();
    }
}
