package clinic.ingress.support;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * The project's own Redis Cluster ({@code scripts/services.sh cluster start}: 3 masters, 3 replicas,
 * ports 7101-7106), started if it is not running, and read from outside the service.
 */
public final class RedisCluster implements AutoCloseable {

    public static final int BASE_PORT = Integer.getInteger("test.redis.cluster.base-port", 7101);

    private final Vertx vertx = Vertx.vertx();
    private final Redis redis;

    private RedisCluster() {
        RedisOptions options = new RedisOptions().setType(RedisClientType.CLUSTER);
        IntStream.range(0, 3).forEach(i -> options.addConnectionString("redis://127.0.0.1:" + (BASE_PORT + i)));
        this.redis = Redis.createClient(vertx, options);
    }

    /** Starts the cluster with the project's script (reused when it already answers). */
    public static RedisCluster start() throws IOException, InterruptedException {
        Process script = new ProcessBuilder("scripts/services.sh", "cluster", "start")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .start();
        if (!script.waitFor(180, TimeUnit.SECONDS) || script.exitValue() != 0) {
            throw new IllegalStateException("scripts/services.sh cluster start failed");
        }
        return new RedisCluster();
    }

    /** {@code quarkus.redis.*} for a replica talking to this cluster. */
    public static List<String> serviceProperties() {
        String hosts = IntStream.range(0, 3).mapToObj(i -> "redis://127.0.0.1:" + (BASE_PORT + i)).collect(Collectors.joining(","));
        return List.of("quarkus.redis.client-type=cluster", "quarkus.redis.hosts=" + hosts);
    }

    public Response send(Request request) throws Exception {
        return redis.send(request).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** Every entry of a stream, as field maps, in stream order. */
    public List<Map<String, String>> entries(String stream) throws Exception {
        List<Map<String, String>> entries = new ArrayList<>();
        for (Response entry : send(Request.cmd(Command.XRANGE).arg(stream).arg("-").arg("+"))) {
            Response pairs = entry.get(1);
            Map<String, String> fields = new HashMap<>();
            for (int i = 0; i + 1 < pairs.size(); i += 2) {
                fields.put(pairs.get(i).toString(), pairs.get(i + 1).toString());
            }
            entries.add(fields);
        }
        return entries;
    }

    /** Sharded-channel subscribers of {@code channel}, summed over every node (PUBSUB SHARDNUMSUB is per node). */
    public long shardSubscribers(String channel) throws Exception {
        long subscribers = 0;
        for (int port = BASE_PORT; port < BASE_PORT + 6; port++) {
            Redis node = Redis.createClient(vertx, "redis://127.0.0.1:" + port);
            try {
                Response reply = node.send(Request.cmd(Command.PUBSUB).arg("SHARDNUMSUB").arg(channel))
                        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                subscribers += reply.get(1).toLong();
            } finally {
                node.close();
            }
        }
        return subscribers;
    }

    /** The port of the master serving {@code key}'s slot. */
    public int masterPortOf(String key) throws Exception {
        long slot = send(Request.cmd(Command.CLUSTER).arg("KEYSLOT").arg(key)).toLong();
        for (Response range : send(Request.cmd(Command.CLUSTER).arg("SLOTS"))) {
            if (range.get(0).toLong() <= slot && slot <= range.get(1).toLong()) {
                return range.get(2).get(1).toInteger();
            }
        }
        throw new IllegalStateException("no master serves slot " + slot);
    }

    @Override
    public void close() {
        redis.close();
        vertx.close();
    }
}
