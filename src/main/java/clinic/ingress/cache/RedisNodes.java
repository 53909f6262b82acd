package clinic.ingress.cache;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

/**
 * Which Redis topology the service talks to, and work that must reach every master.
 *
 * <p>
 * Almost every command names one key, and the client routes it (standalone: the server;
 * cluster: the master of the key's slot). A few do not: {@code SCAN} walks one node's keyspace, so
 * in a cluster a pattern invalidation must walk every master. For those, {@link #onEachMaster}
 * reads the masters from {@code CLUSTER NODES} and opens a short-lived client per master, with the
 * scheme, user and password of the configured hosts.
 */
@ApplicationScoped
public class RedisNodes {

    private final ReactiveRedisDataSource redis;
    private final Vertx vertx;
    private final boolean cluster;
    private final Optional<URI> template;
    private final Optional<String> password;

    public RedisNodes(ReactiveRedisDataSource redis, Vertx vertx,
            @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType,
            @ConfigProperty(name = "quarkus.redis.hosts") Optional<List<URI>> hosts,
            @ConfigProperty(name = "quarkus.redis.password") Optional<String> password) {
        this.redis = redis;
        this.vertx = vertx;
        this.cluster = "cluster".equalsIgnoreCase(clientType);
        this.template = hosts.filter(list -> !list.isEmpty()).map(list -> list.get(0));
        this.password = password;
    }

    /** Whether {@code quarkus.redis.client-type=cluster}. */
    public boolean cluster() {
        return cluster;
    }

    /**
     * Runs {@code work} against every master with a client bound to that master (standalone: the
     * service's own client) and returns the results in no particular order.
     */
    public <T> Uni<List<T>> onEachMaster(Function<Redis, Uni<T>> work) {
        if (!cluster) {
            return work.apply(redis.getRedis()).map(List::of);
        }
        return redis.execute("CLUSTER", "NODES")
                .map(nodes -> masters(nodes.toString()))
                .onItem().transformToMulti(endpoints -> Multi.createFrom().iterable(endpoints))
                .onItem().transformToUniAndConcatenate(endpoint -> onNode(endpoint, work))
                .collect().asList();
    }

    private <T> Uni<T> onNode(String endpoint, Function<Redis, Uni<T>> work) {
        return Uni.createFrom().deferred(() -> {
            Redis node = Redis.createClient(vertx, options(endpoint));
            return work.apply(node)
                    .eventually(node::close);
        });
    }

    private RedisOptions options(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        String host = endpoint.substring(0, colon);
        int port = Integer.parseInt(endpoint.substring(colon + 1));
        URI base = template.orElse(URI.create("redis://localhost"));
        try {
            // Same scheme (redis/rediss) and credentials as the configured hosts; a cluster has no database index.
            URI uri = new URI(base.getScheme(), base.getUserInfo(), host, port, null, null, null);
            RedisOptions options = new RedisOptions().setConnectionString(uri.toString()).setMaxPoolSize(1);
            password.ifPresent(options::setPassword);
            return options;
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cluster node address " + endpoint + " is not usable", e);
        }
    }

    /** The {@code ip:port} of every master holding slots and not marked failed, from {@code CLUSTER NODES}. */
    static List<String> masters(String clusterNodes) {
        List<String> masters = new ArrayList<>();
        for (String line : clusterNodes.split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length < 9) {
                continue; // a node without slots: nothing to walk
            }
            String flags = fields[2];
            if (flags.contains("master") && !flags.contains("fail") && !flags.contains("handshake")) {
                // "ip:port@cport[,hostname]"
                String address = fields[1];
                int at = address.indexOf('@');
                masters.add(at < 0 ? address : address.substring(0, at));
            }
        }
        return masters;
    }
}
