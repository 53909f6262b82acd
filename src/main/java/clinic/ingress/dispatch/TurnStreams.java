package clinic.ingress.dispatch;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import java.util.zip.CRC32;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The stream (or streams) turns go to. With {@code ingress.dispatch.partitions=1} (the default) it
 * is {@code ingress.dispatch.stream} itself; with {@code n > 1} it is {@code <stream>:{0}} to
 * {@code <stream>:{n-1}}: the braces are a Redis Cluster hash tag, so each partition is one slot and
 * the partitions spread over the masters instead of one shard taking every turn.
 *
 * <p>
 * A turn's partition is {@code CRC32(patient) mod n}, where {@code patient} is the turn's
 * {@code patient} field (the pseudonym): all turns of a patient's conversation at an organization,
 * and so every turn of one session, land in one partition, in publication order. Consumers can
 * compute it too.
 */
@ApplicationScoped
public class TurnStreams {

    private final List<String> names;

    @Inject
    public TurnStreams(DispatchConfig config) {
        this(config.stream(), config.partitions());
    }

    TurnStreams(String stream, int partitions) {
        if (partitions < 1 || partitions > 1024) {
            throw new IllegalArgumentException("ingress.dispatch.partitions must be between 1 and 1024, not " + partitions);
        }
        if (partitions > 1 && (stream.contains("{") || stream.contains("}"))) {
            throw new IllegalArgumentException(
                    "ingress.dispatch.stream must not contain braces when partitioned: the partition is the hash tag");
        }
        this.names = partitions == 1
                ? List.of(stream)
                : IntStream.range(0, partitions).mapToObj(n -> stream + ":{" + n + "}").toList();
    }

    /** Every stream a consumer must read (one consumer group on each). */
    public List<String> all() {
        return names;
    }

    /** The stream of a patient's turns. */
    public String of(String patient) {
        return names.get(partition(patient, names.size()));
    }

    static int partition(String patient, int partitions) {
        CRC32 crc = new CRC32();
        crc.update(patient.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % partitions);
    }
}
