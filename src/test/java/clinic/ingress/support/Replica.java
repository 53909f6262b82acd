package clinic.ingress.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;

/**
 * Another replica of the packaged service, started from target/quarkus-app as its own process with
 * its own connections, caches and HTTP port: what another pod is.
 */
public final class Replica implements AutoCloseable {

    private static final AtomicInteger STARTED = new AtomicInteger();

    private final Process process;
    private final int port;
    private final int managementPort;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Replica(Process process, int port, int managementPort, Path log) {
        this.process = process;
        this.port = port;
        this.managementPort = managementPort;
        this.log = log;
    }

    /** Starts a replica with the test profile and the given {@code -Dkey=value} options; returns once it is ready. */
    public static Replica start(String... properties) throws IOException {
        return startWithProfile("test", properties);
    }

    /** Starts a replica with another profile (prod, to see what production does); returns once it is ready. */
    public static Replica startWithProfile(String profile, String... properties) throws IOException {
        Replica replica = launch(profile, properties);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> replica.management("/q/health/ready").statusCode() == 200);
            return replica;
        } catch (RuntimeException e) {
            replica.close();
            throw new IllegalStateException("the replica did not get ready; its log:\n" + replica.log(), e);
        }
    }

    /** Starts a replica and returns at once, ready or not: for a service that cannot get ready. */
    public static Replica launch(String profile, String... properties) throws IOException {
        int port = Ports.any();
        int managementPort = Ports.any();
        Path log = Path.of("target", "replica-" + STARTED.incrementAndGet() + ".log");
        Process process = new ProcessBuilder(command(profile, port, managementPort, properties))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new Replica(process, port, managementPort, log);
    }

    /**
     * Runs the packaged service with {@code profile} until it exits by itself (a refused start), at most
     * {@code timeout}; its exit code and output.
     */
    public static Exit runToExit(Duration timeout, String profile, String... properties) throws Exception {
        Process process = new ProcessBuilder(command(profile, Ports.any(), Ports.any(), properties))
                .redirectErrorStream(true)
                .start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes());
            } catch (IOException e) {
                return e.toString();
            }
        });
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            throw new IllegalStateException("still running after " + timeout + ":\n" + output.get());
        }
        return new Exit(process.exitValue(), output.get());
    }

    /** How a process that ran to its end ended. */
    public record Exit(int code, String output) {
    }

    /**
     * The packaged service: the jar, or with {@code -Dnative} (failsafe's {@code test.runtime=native})
     * the native executable, so every black-box test runs against the product as shipped.
     */
    private static List<String> command(String profile, int port, int managementPort, String... properties) {
        boolean nativeRuntime = "native".equals(System.getProperty("test.runtime"));
        Path artifact = nativeRuntime
                ? Path.of(System.getProperty("native.image.path", "target/clinic-ingress-1.0.0-SNAPSHOT-runner"))
                : Path.of("target", "quarkus-app", "quarkus-run.jar");
        if (!Files.exists(artifact)) {
            throw new IllegalStateException("package the application first: " + artifact.toAbsolutePath());
        }
        List<String> command = new ArrayList<>();
        if (nativeRuntime) {
            command.add(artifact.toAbsolutePath().toString());
        } else {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        }
        command.addAll(List.of("-Dquarkus.profile=" + profile, "-Dquarkus.http.port=" + port,
                "-Dquarkus.management.port=" + managementPort));
        for (String property : properties) {
            command.add("-D" + property);
        }
        if (!nativeRuntime) {
            command.addAll(List.of("-jar", artifact.toString()));
        }
        return command;
    }

    /** The public port (webhooks). */
    public int port() {
        return port;
    }

    /** What the replica has printed so far. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** GET on the management interface (health, metrics). */
    public HttpResponse<String> management(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** GET on the management interface, with the admin token (admin endpoints are there, not on the public port). */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .header("Authorization", "Bearer test-admin-token").build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POST of a JSON body on the management interface, with the admin token. */
    public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .header("Authorization", "Bearer test-admin-token")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Posts a webhook with the test token; the answer, or a failure if the connection breaks. */
    public CompletableFuture<HttpResponse<String>> postWebhook(Evolution event) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhooks/evolution"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header(Evolution.TOKEN_HEADER, Evolution.TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(event.json())).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A Prometheus sample of this replica, or 0 when absent. */
    public double metric(String sample) throws IOException, InterruptedException {
        // "name{tags} value" or, with an exemplar, "name{tags} value # {span_id=...} 1.0 timestamp".
        return management("/q/metrics").body().lines().filter(line -> line.startsWith(sample + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(sample.length() + 1).split(" ")[0])).findFirst()
                .orElse(0);
    }

    /** SIGKILL, as the kernel's OOM killer or a node failure would: no shutdown hook runs. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroy();
        process.onExit().orTimeout(20, TimeUnit.SECONDS).exceptionally(e -> {
            process.destroyForcibly();
            return process;
        });
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
