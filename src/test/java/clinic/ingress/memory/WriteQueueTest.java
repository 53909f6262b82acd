package clinic.ingress.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The write-behind's queue, without a server: a patient's messages share a batch, and what the
 * waiting message ids weigh is bounded ({@code write-queue-max-bytes}): beyond it a message is
 * deferred to the relay, and the weight comes back as batches leave, are turned away or are retried.
 * It holds ids only: a message's weight does not depend on its text, which is read back at add time.
 */
@Tag("fast")
class WriteQueueTest {

    private static final UUID ORGANIZATION = UUID.fromString("0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01");

    private static final long WEIGHT = WriteQueue.MESSAGE_WEIGHT;

    private final List<UUID> deferred = new ArrayList<>();

    @Test
    void messagesBeyondTheBoundAreDeferredAndItsRoomComesBackAsBatchesLeave() {
        // 64 bytes a message: three fit in 200, the fourth does not.
        WriteQueue queue = new WriteQueue(config("200", "100"), deferred::addAll);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(UUID.randomUUID());
            queue.add(patient(i % 2), ids.get(i));
        }
        assertThat(deferred).containsExactly(ids.get(3));
        assertThat(queue.bytes()).isEqualTo(3 * WEIGHT);
        assertThat(queue.size()).as("two patients, two batches").isEqualTo(2);

        WriteBatch first = queue.poll();
        assertThat(first.messageIds).containsExactly(ids.get(0), ids.get(2));
        assertThat(first.sealed).isTrue();
        assertThat(queue.bytes()).isEqualTo(WEIGHT);

        queue.add(patient(0), UUID.randomUUID());
        assertThat(queue.size()).as("a sealed batch takes no more: a new one opens").isEqualTo(2);

        queue.requeue(first);
        assertThat(queue.bytes()).as("a retried batch weighs again").isEqualTo(4 * WEIGHT);
        while (queue.poll() != null) {
            // drained
        }
        assertThat(queue.bytes()).isZero();
        assertThat(deferred).hasSize(1);
    }

    @Test
    void aBatchTheFullQueueTurnsAwayGivesItsWeightBackAndGoesToTheRelay() {
        // Room for one patient's batch only: the second patient's is refused (its lane would be the heaviest).
        WriteQueue queue = new WriteQueue(config("1M", "1"), deferred::addAll);
        UUID kept = UUID.randomUUID();
        UUID refused = UUID.randomUUID();
        queue.add(patient(0), kept);
        queue.add(patient(1), refused);
        assertThat(deferred).containsExactly(refused);
        assertThat(queue.size()).isEqualTo(1);
        assertThat(queue.bytes()).isEqualTo(WEIGHT);
    }

    @Test
    void oneMessageHeavierThanTheWholeBoundStillGoesIntoAnEmptyQueue() {
        WriteQueue queue = new WriteQueue(config("10", "100"), deferred::addAll);
        queue.add(patient(0), UUID.randomUUID());
        assertThat(deferred).isEmpty();
        queue.add(patient(1), UUID.randomUUID());
        assertThat(deferred).hasSize(1);
    }

    private static MemorySubject patient(int n) {
        return new MemorySubject(ORGANIZATION, "55119" + n);
    }

    private static MemoryConfig.Write config(String maxBytes, String capacity) {
        return new SmallRyeConfigBuilder()
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withConverter(Duration.class, 100, new DurationConverter())
                .withMapping(MemoryConfig.class)
                .withDefaultValue("ingress.memory.write-queue-max-bytes", maxBytes)
                .withDefaultValue("ingress.memory.write-queue-capacity", capacity)
                .build()
                .getConfigMapping(MemoryConfig.class)
                .write();
    }
}
