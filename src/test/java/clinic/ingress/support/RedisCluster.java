package clinic.ingress.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * A Redis Cluster of the test's own (3 masters, 3 replicas), started with the project's script
 * ({@code scripts/services.sh cluster start}) on free ports with its state under {@code target/},
 * stopped again on {@link #close()}, and read from outside the service. Private rather than the
 * developer's 7101-7106 cluster: a cluster left half-alive there, or another project on those
 * ports, must not decide whether the suite passes.
 */
public final class RedisCluster implements AutoCloseable {

    /** Base ports are drawn from here: bus ports (+10000) stay below Linux's ephemeral range (32768). */
    private static final int LOWEST_BASE = 12000;
    private static final int HIGHEST_BASE = 22000;

    private final int basePort;
    private final Path stateDir;
    private final Vertx vertx = Vertx.vertx();
    private final Redis redis;

    private RedisCluster(int basePort, Path stateDir) {
        this.basePort = basePort;
        this.stateDir = stateDir;
        RedisOptions options = new RedisOptions().setType(RedisClientType.CLUSTER);
        IntStream.range(0, 3).forEach(i -> options.addConnectionString("redis://127.0.0.1:" + (basePort + i)));
        this.redis = Redis.createClient(vertx, options);
    }

    /** Starts a private cluster; the failure message carries the script's output and the nodes' logs. */
    public static RedisCluster start() throws IOException, InterruptedException {
        int basePort = freeBasePort();
        Path stateDir = Path.of("target", "redis-cluster-" + basePort).toAbsolutePath();
        String output = script("start", basePort, stateDir);
        if (output != null) {
            script("stop", basePort, stateDir);
            throw new IllegalStateException("scripts/services.sh cluster start failed on ports " + basePort + "-"
                    + (basePort + 5) + ":\n" + output + nodeLogs(stateDir));
        }
        return new RedisCluster(basePort, stateDir);
    }

    /** Runs {@code scripts/services.sh cluster <action>}; null when it succeeded, else what it printed. */
    private static String script(String action, int basePort, Path stateDir) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("scripts/services.sh", "cluster", action).redirectErrorStream(true);
        builder.environment().put("CLUSTER_BASE_PORT", Integer.toString(basePort));
        builder.environment().put("XDG_STATE_HOME", stateDir.toString());
        Process process = builder.start();
        // Read, not inherited: a child writing into the forked test JVM's stdout corrupts Surefire's channel.
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = process.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output unreadable: " + e + ")";
            }
        });
        boolean finished = process.waitFor(180, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        String printed = output.completeOnTimeout("(no output)", 5, TimeUnit.SECONDS).join();
        System.out.print(printed);
        return finished && process.exitValue() == 0 ? null
                : (finished ? "exit " + process.exitValue() : "timed out") + "\n" + printed;
    }

    private static String nodeLogs(Path stateDir) throws IOException {
        StringBuilder logs = new StringBuilder();
        Path clusterDir = stateDir.resolve("clinic-ingress/redis-cluster");
        if (Files.isDirectory(clusterDir)) {
            try (Stream<Path> nodes = Files.list(clusterDir)) {
                for (Path log : nodes.map(node -> node.resolve("redis.log")).filter(Files::exists).sorted().toList()) {
                    List<String> lines = Files.readAllLines(log);
                    logs.append("--- ").append(log).append(" (last lines)\n");
                    lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(line -> logs.append(line).append('\n'));
                }
            }
        }
        return logs.toString();
    }

    /** Six node ports and their six cluster-bus ports (+10000), all free at this moment. */
    private static int freeBasePort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(LOWEST_BASE, HIGHEST_BASE - 6);
            if (IntStream.range(0, 6).allMatch(i -> Ports.isFree(base + i) && Ports.isFree(base + i + 10000))) {
                return base;
            }
        }
        throw new IllegalStateException("no six free ports (and bus ports) between " + LOWEST_BASE + " and " + HIGHEST_BASE);
    }

    /** {@code quarkus.redis.*} for a replica talking to this cluster. */
    public List<String> serviceProperties() {
        String hosts = IntStream.range(0, 3).mapToObj(i -> "redis://127.0.0.1:" + (basePort + i))
                .collect(Collectors.joining(","));
        return List.of("quarkus.redis.client-type=cluster", "quarkus.redis.hosts=" + hosts);
    }

    /** A seed node's URL, for clients of the cluster other than the service (the reference consumer). */
    public String seedUrl() {
        return "redis://127.0.0.1:" + basePort;
    }

    /** Keys matching {@code pattern} on every node (KEYS: a test's private cluster only). */
    public List<String> keys(String pattern) throws Exception {
        List<String> keys = new ArrayList<>();
        for (int port = basePort; port < basePort + 6; port++) {
            Redis node = Redis.createClient(vertx, "redis://127.0.0.1:" + port);
            try {
                Response role = node.send(Request.cmd(Command.ROLE)).toCompletionStage().toCompletableFuture().get(30,
                        TimeUnit.SECONDS);
                if (!"master".equals(role.get(0).toString())) {
                    continue;
                }
                for (Response key : node.send(Request.cmd(Command.KEYS).arg(pattern)).toCompletionStage().toCompletableFuture()
                        .get(30, TimeUnit.SECONDS)) {
                    keys.add(key.toString());
                }
            } finally {
                node.close();
            }
        }
        return keys;
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
        for (int port = basePort; port < basePort + 6; port++) {
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

    /** Closes the client and stops the cluster; its state under target/ goes with it. */
    @Override
    public void close() {
        redis.close();
        vertx.close();
        try {
            script("stop", basePort, stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
