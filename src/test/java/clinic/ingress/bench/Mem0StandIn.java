package clinic.ingress.bench;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * A light mem0 STAND-IN for scripts/bench.sh (not mem0): answers the hosted v3 API's search with a
 * canned memory and its add with {@code PENDING}, each after a lognormal delay. WireMock, the stand-in of
 * scripts/run.sh, journals and matches every request; under a benchmark's thousands of adds per
 * second it used more CPU than the service it was standing in for, on the same two cores.
 *
 * <pre>
 * Mem0StandIn port searchMedianMs addMedianMs sigma
 * </pre>
 *
 * mem0's add answers {@code PENDING} and extracts later, so its call is shorter than a search; the
 * hosted add API also allows about 1,000 calls a minute, which is why the service groups a
 * patient's messages into one add.
 * {@code GET /__counts?user=ID} answers {@code {"searches": n, "adds": n, "userSearches": n}};
 * {@code POST /__delay?search=MS[&add=MS]} changes the medians (the benchmark fills its caches quickly,
 * then measures with mem0's real latency). For tools/chaos/chaos.sh: {@code POST /__mode?mode=ok|500|429}
 * makes every search and add answer normally, 500, or 429 with {@code Retry-After: 2};
 * {@code GET /__added} lists the message ids (metadata.message_ids) of every add answered normally.
 */
public final class Mem0StandIn {

    private static final String SEARCH_ANSWER = "{\"results\":[{\"id\":\"00000000-0000-4000-8000-000000000001\",\"memory\":\"STAND-IN memory\",\"score\":0.7}]}";
    private static final String ADD_ANSWER = "{\"status\":\"PENDING\",\"event_id\":\"00000000-0000-4000-8000-000000000002\"}";

    private Mem0StandIn() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        double[] searchMedian = { Double.parseDouble(args[1]) };
        double[] addMedian = { Double.parseDouble(args[2]) };
        String[] mode = { "ok" };
        Set<String> added = ConcurrentHashMap.newKeySet();
        double sigma = Double.parseDouble(args[3]);
        LongAdder searches = new LongAdder();
        LongAdder adds = new LongAdder();
        Map<String, AtomicLong> byUser = new ConcurrentHashMap<>();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        vertx.createHttpServer().requestHandler(request -> {
            String path = request.path();
            if ((path.endsWith("/memories/search/") || path.endsWith("/memories/add/")) && !"ok".equals(mode[0])) {
                request.body().onSuccess(body -> {
                    var response = request.response().setStatusCode(Integer.parseInt(mode[0]));
                    if ("429".equals(mode[0])) {
                        response.putHeader("Retry-After", "2");
                    }
                    response.end();
                });
            } else if (path.endsWith("/memories/search/")) {
                request.body().onSuccess(body -> {
                    searches.increment();
                    byUser.computeIfAbsent(user(body.toJsonObject()), u -> new AtomicLong()).incrementAndGet();
                    vertx.setTimer(delay(searchMedian[0], sigma), id -> json(request, SEARCH_ANSWER));
                });
            } else if (path.endsWith("/memories/add/")) {
                request.body().onSuccess(body -> {
                    adds.increment();
                    vertx.setTimer(delay(addMedian[0], sigma), id -> {
                        var ids = body.toJsonObject().getJsonObject("metadata", new JsonObject()).getJsonArray("message_ids");
                        if (ids != null) {
                            ids.forEach(messageId -> added.add(String.valueOf(messageId)));
                        }
                        json(request, ADD_ANSWER);
                    });
                });
            } else if ("/__delay".equals(path)) {
                if (request.getParam("search") != null) {
                    searchMedian[0] = Double.parseDouble(request.getParam("search"));
                }
                if (request.getParam("add") != null) {
                    addMedian[0] = Double.parseDouble(request.getParam("add"));
                }
                request.response().setStatusCode(204).end();
            } else if ("/__mode".equals(path)) {
                mode[0] = request.getParam("mode");
                request.response().setStatusCode(204).end();
            } else if ("/__added".equals(path)) {
                request.response().putHeader("Content-Type", "text/plain").end(String.join("\n", added));
            } else if ("/__counts".equals(path)) {
                String user = request.getParam("user");
                AtomicLong mine = user == null ? null : byUser.get(user);
                json(request, new JsonObject().put("searches", searches.sum()).put("adds", adds.sum())
                        .put("userSearches", mine == null ? 0 : mine.get()).encode());
            } else {
                request.response().setStatusCode(404).end();
            }
        }).listen(port, "127.0.0.1").onSuccess(server -> System.out.println("mem0 stand-in on " + server.actualPort()))
                .onFailure(failure -> {
                    failure.printStackTrace();
                    System.exit(1);
                });
    }

    private static long delay(double median, double sigma) {
        return Math.max(1, Math.round(median * Math.exp(sigma * ThreadLocalRandom.current().nextGaussian())));
    }

    private static String user(JsonObject body) {
        JsonObject filters = body.getJsonObject("filters");
        String user = filters != null ? filters.getString("user_id") : null;
        return user != null ? user : String.valueOf(body.getString("user_id"));
    }

    private static void json(HttpServerRequest request, String body) {
        request.response().putHeader("Content-Type", "application/json").end(body);
    }
}
