package clinic.ingress.dispatch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * A patient's turns in the stream, as an erasure handles them: every entry of theirs leaves their
 * partition, read or not ({@code XDEL}; an entry still pending for a consumer is then read as empty,
 * which the contract says to acknowledge and skip), and an {@code erase} event takes its place
 * (docs/consumer-contract.md#erase-events), so that the assistant deletes what it keeps of the patient.
 * The event names the patient by subject, never by pseudonym: after the erasure the stream holds
 * nothing that links to them.
 */
@ApplicationScoped
public class PatientTurns {

    /** Entries read per XRANGE while looking for the patient's. */
    private static final int PAGE = 500;

    private final Redis redis;
    private final TurnStreams streams;
    private final TurnSeal seal;

    public PatientTurns(ReactiveRedisDataSource redis, TurnStreams streams, TurnSeal seal) {
        this.redis = redis.getRedis();
        this.streams = streams;
        this.seal = seal;
    }

    /** Deletes every entry whose {@code patient} is this pseudonym from its partition; how many. */
    public Uni<Long> erase(String pseudonym) {
        return erase(streams.of(pseudonym), pseudonym, "-", 0L);
    }

    private Uni<Long> erase(String stream, String pseudonym, String from, long erased) {
        return redis.send(Request.cmd(Command.XRANGE).arg(stream).arg(from).arg("+").arg("COUNT").arg(PAGE))
                .chain(page -> {
                    List<String> theirs = new ArrayList<>();
                    String last = null;
                    for (Response entry : page) {
                        last = entry.get(0).toString();
                        if (pseudonym.equals(field(entry.get(1), "patient"))) {
                            theirs.add(last);
                        }
                    }
                    Uni<Long> deleted = theirs.isEmpty() ? Uni.createFrom().item(0L) : xdel(stream, theirs);
                    String next = last == null || page.size() < PAGE ? null : "(" + last;
                    return deleted.chain(n -> next == null ? Uni.createFrom().item(erased + n)
                            : erase(stream, pseudonym, next, erased + n));
                });
    }

    private Uni<Long> xdel(String stream, List<String> ids) {
        Request xdel = Request.cmd(Command.XDEL).arg(stream);
        ids.forEach(xdel::arg);
        return redis.send(xdel).map(Response::toLong);
    }

    /**
     * Adds the {@code erase} event to the patient's partition: {@code type=erase}, {@code turnId} the
     * erasure's id (consumers dedupe on it, as on a turn's), {@code organization}, {@code subject};
     * sealed like a turn when turns are.
     */
    public Uni<Void> announce(UUID erasure, UUID organization, String pseudonym, String subject) {
        String stream = streams.of(pseudonym);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("type", "erase");
        fields.put("turnId", erasure.toString());
        fields.put("organization", organization.toString());
        fields.put("subject", subject);
        Request xadd = Request.cmd(Command.XADD).arg(stream).arg("*");
        seal.apply(stream, fields).forEach((name, value) -> xadd.arg(name).arg(value));
        return redis.send(xadd).replaceWithVoid();
    }

    private static String field(Response fields, String name) {
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            if (name.equals(fields.get(i).toString())) {
                return fields.get(i + 1).toString();
            }
        }
        return null;
    }
}
