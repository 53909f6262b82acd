package clinic.ingress.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * WireMock standing in for mem0 (a third-party SaaS; the only thing the tests stub). Points
 * {@code ingress.mem0.base-url} at it and shortens the circuit-breaker delay so tests can watch it
 * open and close.
 */
public class Mem0Stub implements QuarkusTestResourceLifecycleManager {

    private static WireMockServer server;

    public static WireMockServer server() {
        return server;
    }

    public static String fixture(String name) {
        try (InputStream in = Mem0Stub.class.getResourceAsStream("/mem0/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(WireMockConfiguration.options().dynamicPort().containerThreads(64).jettyAcceptors(2));
        server.start();
        Map<String, String> config = new HashMap<>();
        config.put("ingress.mem0.base-url", server.baseUrl());
        config.put("ingress.mem0.api-key", "m0-test-key");
        String search = "quarkus.fault-tolerance.\"clinic.ingress.memory.Mem0Gateway/search\".";
        config.put(search + "circuit-breaker.request-volume-threshold", "4");
        // Far longer than a test's batch of webhooks: "no call while open" never races the half-open probe.
        config.put(search + "circuit-breaker.delay", "10000");
        config.put("ingress.memory.refresh-after-write", "1s");
        config.put("ingress.memory.write-initial-backoff", "200ms");
        // One add at a time, so tests can watch a patient's later messages join the queued add.
        config.put("ingress.memory.write-concurrency", "1");
        // The memory relay looks often; the grace stays long, so it only takes rows a test left behind.
        config.put("ingress.memory.write-relay-interval", "500ms");
        return config;
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
