package clinic.ingress.support;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;

/**
 * Reads the turn stream the way a consumer would (XRANGE), for assertions.
 */
public final class Turns {

    public static final String STREAM = "ingress:turns";

    private Turns() {
    }

    /** Every entry of the stream (turns and erase events), in stream order. */
    public static List<Map<String, String>> all(RedisDataSource redis) {
        return redis.stream(String.class, String.class, String.class).xrange(STREAM, StreamRange.of("-", "+")).stream()
                .map(StreamMessage::payload)
                .collect(Collectors.toList());
    }

    /** Every turn of a clinic currently in the stream, in stream order. */
    public static List<Map<String, String>> ofClinic(RedisDataSource redis, Object clinicId) {
        return redis.stream(String.class, String.class, String.class).xrange(STREAM, StreamRange.of("-", "+")).stream()
                .map(StreamMessage::payload)
                .filter(fields -> clinicId.toString().equals(fields.get("clinic")))
                .collect(Collectors.toList());
    }
}
