package clinic.ingress.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Removes keys by pattern with SCAN + UNLINK (never KEYS, which blocks Redis), and only under the
 * prefixes this service owns, so an operator's typo cannot wipe another tenant's data.
 *
 * <p>
 * In a Redis Cluster every master is walked ({@link RedisNodes#onEachMaster}), and keys are
 * unlinked one per command in a pipeline: a multi-key UNLINK would be refused (CROSSSLOT) as soon
 * as two keys of a page hash to different slots.
 */
@ApplicationScoped
public class KeyspaceCleaner {

    private static final int PAGE = 500;

    private final RedisNodes nodes;
    private final CacheKeys keys;
    private final Duration timeout;

    public KeyspaceCleaner(RedisNodes nodes, CacheKeys keys, CacheConfig config) {
        this.timeout = config.patternDeleteTimeout();
        this.nodes = nodes;
        this.keys = keys;
    }

    /** The service's Redis user may not SCAN (scripts/redis-acl.sh without --allow-scan). */
    public static final class ScanRefused extends RuntimeException {
        ScanRefused() {
            super("SCAN refused by the Redis ACL", null, false, false);
        }
    }

    /**
     * Number of keys removed; fails with {@link IllegalArgumentException} for a pattern outside the
     * service's prefixes and with {@link ScanRefused} when the ACL forbids SCAN.
     */
    public Uni<Long> unlink(String pattern) {
        if (keys.own().stream().noneMatch(pattern::startsWith)) {
            return Uni.createFrom().failure(new IllegalArgumentException("pattern must start with one of " + keys.own()));
        }
        return nodes.onEachMaster(node -> unlinkOn(node, pattern))
                .onFailure(failure -> failure.getMessage() != null && failure.getMessage().startsWith("NOPERM"))
                .transform(failure -> new ScanRefused())
                .map(counts -> counts.stream().mapToLong(Long::longValue).sum())
                // An admin request: a whole keyspace walk may take a while, but never forever.
                .ifNoItem().after(timeout).fail();
    }

    /** SCAN one node's keyspace page by page, unlinking each page before asking for the next. */
    private Uni<Long> unlinkOn(Redis node, String pattern) {
        return Multi.createBy().repeating()
                .uni(() -> new Cursor(), cursor -> scan(node, pattern, cursor))
                .whilst(page -> !page.last())
                .onItem().transformToUniAndConcatenate(page -> unlinkAll(node, page.keys()))
                .collect().with(Collectors.summingLong(Long::longValue));
    }

    private Uni<Page> scan(Redis node, String pattern, Cursor cursor) {
        if (cursor.done) {
            return Uni.createFrom().item(new Page(List.of(), true));
        }
        return node.send(Request.cmd(Command.SCAN).arg(cursor.position).arg("MATCH").arg(pattern).arg("COUNT").arg(PAGE))
                .map(reply -> {
                    cursor.position = reply.get(0).toString();
                    cursor.done = "0".equals(cursor.position);
                    List<String> keys = new ArrayList<>();
                    reply.get(1).forEach(key -> keys.add(key.toString()));
                    return new Page(keys, false);
                });
    }

    private static Uni<Long> unlinkAll(Redis node, List<String> keys) {
        if (keys.isEmpty()) {
            return Uni.createFrom().item(0L);
        }
        return node.batch(keys.stream().map(key -> Request.cmd(Command.UNLINK).arg(key)).toList())
                .map(replies -> replies.stream().mapToLong(Response::toLong).sum());
    }

    /** Where a node's SCAN is; the last page (cursor back at 0) is followed by an empty end marker. */
    private static final class Cursor {
        String position = "0";
        boolean done;
    }

    private record Page(List<String> keys, boolean last) {
    }
}
