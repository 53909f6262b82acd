package clinic.ingress.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.stream.XGroupCreateArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The turn stream is trimmed past its cap only where the consumer group has read and acknowledged,
 * on a stream of its own (the real one is shared by every test).
 */
@QuarkusTest
class StreamTrimTest {

    private static final Duration DAY = Duration.ofDays(1);

    @Inject
    StreamTrimmer trimmer;
    @Inject
    RedisDataSource redis;

    @Test
    void entriesTheGroupHasNotAcknowledgedAreNeverTrimmed() {
        String stream = "test:turns:" + UUID.randomUUID();
        List<String> ids = add(stream, 50);
        var streams = redis.stream(String.class, String.class, String.class);
        // The assistant read 30 and acknowledged the first 20: 10 pending, 20 never delivered.
        consume(stream, 30, 20);

        StreamTrimmer.Round round = trimmer.trim(stream, "assistant", 10, DAY).await().atMost(Duration.ofSeconds(5));

        assertThat(round.groupPresent()).isTrue();
        assertThat(round.unconsumed()).isEqualTo(30);
        assertThat(round.trimmed()).isEqualTo(20);
        assertThat(streams.xrange(stream, StreamRange.of("-", "+")).stream().map(StreamMessage::id).toList())
                .isEqualTo(ids.subList(20, 50));

        // Within the cap nothing is trimmed, acknowledged or not.
        StreamTrimmer.Round roomy = trimmer.trim(stream, "assistant", 1000, DAY).await().atMost(Duration.ofSeconds(5));
        assertThat(roomy.trimmed()).isZero();
        assertThat(streams.xlen(stream)).isEqualTo(30);
        redis.key().del(stream);
    }

    @Test
    void everythingAcknowledgedIsTrimmedUpToTheLastDelivered() {
        String stream = "test:turns:" + UUID.randomUUID();
        List<String> ids = add(stream, 40);
        var streams = redis.stream(String.class, String.class, String.class);
        consume(stream, 25, 25);

        StreamTrimmer.Round round = trimmer.trim(stream, "assistant", 10, DAY).await().atMost(Duration.ofSeconds(5));

        assertThat(round.unconsumed()).isEqualTo(15);
        assertThat(streams.xrange(stream, StreamRange.of("-", "+")).stream().map(StreamMessage::id).toList())
                .isEqualTo(ids.subList(25, 40));
        redis.key().del(stream);
    }

    @Test
    void underTheCapAcknowledgedTurnsStayForTheRetentionAndThenGo() {
        String stream = "test:turns:" + UUID.randomUUID();
        List<String> ids = add(stream, 20);
        var streams = redis.stream(String.class, String.class, String.class);
        consume(stream, 15, 10);

        assertThat(trimmer.trim(stream, "assistant", 1000, DAY).await().atMost(Duration.ofSeconds(5)).trimmed()).isZero();
        // Past the retention (here: none at all), the acknowledged ten go; the pending and unread stay.
        StreamTrimmer.Round round = trimmer.trim(stream, "assistant", 1000, Duration.ZERO).await()
                .atMost(Duration.ofSeconds(5));

        assertThat(round.trimmed()).isEqualTo(10);
        assertThat(streams.xrange(stream, StreamRange.of("-", "+")).stream().map(StreamMessage::id).toList())
                .isEqualTo(ids.subList(10, 20));
        redis.key().del(stream);
    }

    @Test
    void withoutTheGroupTheStreamIsCutToItsCap() {
        String stream = "test:turns:" + UUID.randomUUID();
        List<String> ids = add(stream, 30);

        StreamTrimmer.Round round = trimmer.trim(stream, "assistant", 10, DAY).await().atMost(Duration.ofSeconds(5));

        assertThat(round.groupPresent()).isFalse();
        assertThat(redis.stream(String.class, String.class, String.class).xrange(stream, StreamRange.of("-", "+"))
                .stream().map(StreamMessage::id).toList()).isEqualTo(ids.subList(20, 30));
        redis.key().del(stream);
    }

    /** The group "assistant" reads {@code read} entries and acknowledges the first {@code acknowledged}. */
    private void consume(String stream, int read, int acknowledged) {
        var streams = redis.stream(String.class, String.class, String.class);
        streams.xgroupCreate(stream, "assistant", "0", new XGroupCreateArgs());
        List<StreamMessage<String, String, String>> delivered = streams.xreadgroup("assistant", "a1", stream, ">",
                new XReadGroupArgs().count(read));
        streams.xack(stream, "assistant", delivered.subList(0, acknowledged).stream().map(StreamMessage::id)
                .toArray(String[]::new));
    }

    private List<String> add(String stream, int count) {
        var streams = redis.stream(String.class, String.class, String.class);
        return IntStream.range(0, count)
                .mapToObj(i -> streams.xadd(stream, Map.of("turnId", "t" + i)))
                .toList();
    }
}
