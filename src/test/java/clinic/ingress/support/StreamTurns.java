package clinic.ingress.support;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * The turn stream read from outside the service (XRANGE on the tests' Redis DB), for black-box
 * tests, which have no CDI to inject a Redis client.
 */
public final class StreamTurns implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final Redis redis = Redis.createClient(vertx, System.getProperty("test.redis.url", "redis://127.0.0.1:6379/2"));

    /** Every turn of a clinic in the stream, in stream order, as field maps. */
    public List<Map<String, String>> ofClinic(Object clinicId) throws Exception {
        Response entries = redis.send(Request.cmd(Command.XRANGE).arg(Turns.STREAM).arg("-").arg("+"))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        List<Map<String, String>> turns = new ArrayList<>();
        for (Response entry : entries) {
            Response pairs = entry.get(1);
            Map<String, String> fields = new HashMap<>();
            for (int i = 0; i + 1 < pairs.size(); i += 2) {
                fields.put(pairs.get(i).toString(), pairs.get(i + 1).toString());
            }
            if (clinicId.toString().equals(fields.get("clinic"))) {
                turns.add(fields);
            }
        }
        return turns;
    }

    @Override
    public void close() {
        redis.close();
        vertx.close();
    }
}
