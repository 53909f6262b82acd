package clinic.ingress.spool;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.cache.CacheCodec;
import clinic.ingress.cache.CacheConfig;
import clinic.ingress.conversation.StoreConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * The spool's part in a patient's erasure: their spooled messages go, except those
 * {@linkplain SpooledMessage#held held} for the erasure (they arrived after it began and are stored
 * once it is done). An entry of theirs that does not open goes too: it cannot be trusted anyway.
 * Removed through {@link Spool#remove}, so the spool's counts stay those of its stream.
 */
@ApplicationScoped
public class SpoolErasure {

    /** Entries read per XRANGE while looking for the patient's. */
    private static final int PAGE = 500;

    private final Spool spool;
    private final Redis redis;
    private final SpoolEntries entries;
    private final String stream;

    SpoolErasure(Spool spool, ReactiveRedisDataSource redis, CacheCodec codec, CacheConfig cache, StoreConfig config) {
        this.spool = spool;
        this.redis = redis.getRedis();
        this.stream = config.spoolStream();
        this.entries = new SpoolEntries(codec, cache, stream);
    }

    /** Removes the spooled messages of these chats (an instance and a patient each); how many. */
    public Uni<Long> erase(Set<SpooledMessage.Chat> chats) {
        if (chats.isEmpty()) {
            return Uni.createFrom().item(0L);
        }
        Set<String> names = chats.stream().map(entries::chatName).collect(Collectors.toSet());
        Request spooled = Request.cmd(Command.HMGET).arg(stream + ":chats");
        names.forEach(spooled::arg);
        return redis.send(spooled)
                .chain(counts -> any(counts) ? erase(names, "-", 0L) : Uni.createFrom().item(0L));
    }

    private static boolean any(Response counts) {
        for (Response count : counts) {
            if (count != null) {
                return true;
            }
        }
        return false;
    }

    private Uni<Long> erase(Set<String> names, String from, long erased) {
        return redis.send(Request.cmd(Command.XRANGE).arg(stream).arg(from).arg("+").arg("COUNT").arg(PAGE))
                .map(entries::read)
                .chain(page -> {
                    List<Spool.Entry> theirs = page.stream()
                            .filter(entry -> names.contains(entry.chat())
                                    && (entry.message() == null || !entry.message().held()))
                            .toList();
                    String next = page.size() < PAGE ? null : "(" + page.get(page.size() - 1).id();
                    return spool.remove(theirs)
                            .chain(() -> next == null ? Uni.createFrom().item(erased + theirs.size())
                                    : erase(names, next, erased + theirs.size()));
                });
    }
}
