package clinic.ingress.memory;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;

import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.jboss.resteasy.reactive.client.api.QuarkusRestClientProperties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import clinic.ingress.evolution.Json;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.mutiny.Uni;

/**
 * mem0, whichever flavour is configured, behind SmallRye Fault Tolerance (values in milliseconds).
 * Every limit is overridable
 * per method in configuration ({@code quarkus.fault-tolerance."clinic.ingress.memory.Mem0Gateway/search".timeout.value}
 * and so on); the annotation values are the defaults. The REST client has its own read timeout,
 * because @Timeout stops waiting without cancelling the call.
 */
@ApplicationScoped
public class Mem0Gateway {

    private final Optional<Mem0Api> api;
    private final Mem0Config config;
    private final MeterRegistry registry;

    public Mem0Gateway(Mem0Config config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
        this.api = config.baseUrl().filter(url -> !url.isBlank()).map(url -> QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create(url))
                .connectTimeout(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(config.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .property(QuarkusRestClientProperties.CONNECTION_POOL_SIZE, config.connectionPoolSize())
                .property(QuarkusRestClientProperties.KEEP_ALIVE_ENABLED, true)
                .build(Mem0Api.class));
    }

    public boolean enabled() {
        return api.isPresent();
    }

    /** The patient's memories; {@code userId} is the patient's pseudonym, never a phone number. */
    // The REST client is non-blocking: no thread hop around the call. mem0 searches take seconds
    // (p99 4-6 s reported): FT's default 1 s timeout would fail nearly all of them. A background
    // fetch may take this long; webhooks never wait past ingress.memory.lookup-budget. These values
    // are the only ones; quarkus.fault-tolerance."clinic.ingress.memory.Mem0Gateway/search".* overrides.
    // No bulkhead: searches reach here through Mem0Searches, which bounds them (search-concurrency)
    // and shares the places fairly between organizations; a FIFO bulkhead gave them to a burst.
    @AsynchronousNonBlocking
    @Timeout(8000)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 10_000)
    @CircuitBreakerName("mem0-search")
    public Uni<List<MemoryItem>> search(String userId) {
        ObjectNode body = JsonNodeFactory.instance.objectNode()
                .put("query", config.query())
                .put("top_k", config.topK());
        Mem0Api mem0 = api.orElseThrow();
        Uni<JsonNode> answer = switch (config.api()) {
            case V3 -> mem0.searchV3(token(), withThreshold(body).set("filters", filters(userId)));
            case V2 -> mem0.searchV2(token(), withThreshold(body).put("version", "v2").set("filters", filters(userId)));
            case V1 -> mem0.searchV1(token(), body.put("user_id", userId));
            case OSS -> mem0.searchOss(config.apiKey().orElse(null), withThreshold(body).set("filters", filters(userId)));
        };
        return timed("search", answer).map(Mem0Responses::items);
    }

    /**
     * Adds patient messages to mem0 in one call (mem0 extracts memories from them asynchronously on
     * its side). {@code messageIds} go in the metadata, so a memory can be traced to its messages.
     */
    @AsynchronousNonBlocking
    @Timeout(15_000)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 30_000, skipOn = BulkheadException.class)
    @CircuitBreakerName("mem0-add")
    @Bulkhead(value = 8, waitingTaskQueue = 64)
    public Uni<Void> add(String userId, List<String> texts, List<String> messageIds) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        var messages = body.putArray("messages");
        texts.forEach(text -> messages.addObject().put("role", "user").put("content", text));
        body.put("user_id", userId);
        ObjectNode metadata = body.putObject("metadata").put("source", "whatsapp");
        messageIds.forEach(metadata.putArray("message_ids")::add);
        Mem0Api mem0 = api.orElseThrow();
        Uni<JsonNode> answer = switch (config.api()) {
            case V3 -> mem0.addV3(token(), body);
            case V2 -> mem0.addV1(token(), body.put("version", "v2"));
            case V1 -> mem0.addV1(token(), body);
            case OSS -> mem0.addOss(config.apiKey().orElse(null), body);
        };
        return timed("add", answer).replaceWithVoid();
    }

    /**
     * Deletes every memory of a user (a patient's erasure); the answer is mem0's event id for the
     * deletion when it queues it (hosted), or null. No circuit breaker: an erasure is rare, and one
     * that fails is run again by its own lease; the timeout is mem0's add's.
     */
    @AsynchronousNonBlocking
    @Timeout(15_000)
    public Uni<String> deleteAll(String userId) {
        Mem0Api mem0 = api.orElseThrow();
        Uni<JsonNode> answer = config.api() == Mem0Config.Api.OSS
                ? mem0.deleteAllOss(config.apiKey().orElse(null), userId)
                : mem0.deleteAllV1(token(), userId);
        return timed("delete", answer)
                .map(json -> json == null ? null : Json.text(json.get("event_id")))
                // mem0 holds nothing for this user: nothing to delete is what the erasure wants.
                .onFailure(e -> e instanceof WebApplicationException web && web.getResponse().getStatus() == 404)
                .recoverWithNull();
    }

    private ObjectNode withThreshold(ObjectNode body) {
        return body.put("threshold", config.threshold());
    }

    /** v3 rejects top-level entity ids (400): they go in filters, and only user_id (mem0#3218). */
    private static ObjectNode filters(String userId) {
        return JsonNodeFactory.instance.objectNode().put("user_id", userId);
    }

    private String token() {
        return config.apiKey().map(key -> "Token " + key).orElse(null);
    }

    private Uni<JsonNode> timed(String operation, Uni<JsonNode> call) {
        return Uni.createFrom().deferred(() -> {
            Timer.Sample sample = Timer.start(registry);
            return call.onItemOrFailure().invoke((item, failure) -> sample.stop(Timer.builder("ingress.mem0.calls")
                    .description("mem0 calls by operation and outcome")
                    .tags("operation", operation, "outcome", failure == null ? "success" : "error")
                    .register(registry)));
        });
    }
}
