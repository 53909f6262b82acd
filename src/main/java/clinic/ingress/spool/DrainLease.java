package clinic.ingress.spool;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.conversation.StoreConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;

/**
 * Which replica drains the spool: the one holding {@code <spool-stream>:drain} ({@code SET NX PX}
 * {@code spool-drain-lease}, renewed each round, released when the spool is empty). A replica that
 * dies holding it is replaced once the lease runs out; the spool's hash tag keeps it in the spool's slot.
 */
@ApplicationScoped
public class DrainLease {

    private static final String RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
    private static final String RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

    private final Redis redis;
    private final StoreConfig config;
    private final String key;
    /** This replica as the lease's owner: drawn at run time (a static would be the image's). */
    private final String owner = UUID.randomUUID().toString();

    DrainLease(ReactiveRedisDataSource redis, StoreConfig config) {
        this.redis = redis.getRedis();
        this.config = config;
        this.key = config.spoolStream() + ":drain";
    }

    /** Takes, or renews, the lease: whether this replica may drain now. */
    public Uni<Boolean> hold() {
        long ms = config.spoolDrainLease().toMillis();
        return redis.send(Request.cmd(Command.SET).arg(key).arg(owner).arg("NX").arg("PX").arg(ms))
                .chain(set -> set != null && "OK".equals(set.toString())
                        ? Uni.createFrom().item(true)
                        : redis.send(Request.cmd(Command.EVAL).arg(RENEW).arg(1).arg(key).arg(owner).arg(ms))
                                .map(renewed -> renewed != null && renewed.toLong() == 1));
    }

    public Uni<Void> release() {
        return redis.send(Request.cmd(Command.EVAL).arg(RELEASE).arg(1).arg(key).arg(owner))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
