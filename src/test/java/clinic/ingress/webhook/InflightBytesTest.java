package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The in-flight budget's rules, without a server: taken as bytes arrive, the oldest body never waits. */
@Tag("fast")
class InflightBytesTest {

    private final InflightBytes budget = new InflightBytes(config("1000"), new SimpleMeterRegistry());

    @Test
    void bytesAreTakenWhileTheyFitAndGivenBackOnClose() {
        InflightBytes.Claim first = budget.open();
        InflightBytes.Claim second = budget.open();
        assertThat(first.take(600)).isTrue();
        assertThat(second.take(300)).isTrue();
        assertThat(second.take(200)).as("over the budget, and not the oldest").isFalse();
        assertThat(budget.used()).isEqualTo(900);

        first.close();
        assertThat(budget.used()).isEqualTo(300);
        assertThat(second.take(200)).isTrue();
    }

    @Test
    void theOldestBodyAlwaysGoesOnSoBodiesInFlightFinish() {
        InflightBytes.Claim oldest = budget.open();
        InflightBytes.Claim younger = budget.open();
        assertThat(younger.take(1000)).isTrue();
        assertThat(oldest.take(500)).as("the oldest may exceed the budget").isTrue();
        assertThat(budget.used()).isEqualTo(1500);
    }

    @Test
    void pausedBodiesGoOnInTheOrderTheyWerePausedOnceThereIsRoom() {
        InflightBytes.Claim holder = budget.open();
        InflightBytes.Claim a = budget.open();
        InflightBytes.Claim b = budget.open();
        assertThat(holder.take(900)).isTrue();
        List<String> resumed = new ArrayList<>();
        assertThat(a.take(400)).isFalse();
        a.await(400, () -> resumed.add("a"));
        assertThat(b.take(400)).isFalse();
        b.await(400, () -> resumed.add("b"));
        assertThat(a.waiting()).isTrue();
        assertThat(resumed).isEmpty();

        holder.close();

        // a becomes the oldest and goes on; b fits beside it.
        assertThat(resumed).containsExactly("a", "b");
        assertThat(budget.used()).isEqualTo(800);
    }

    @Test
    void aPausedBodyThatBecomesTheOldestGoesOnEvenWithoutRoom() {
        InflightBytes.Claim first = budget.open();
        InflightBytes.Claim second = budget.open();
        InflightBytes.Claim third = budget.open();
        assertThat(third.take(1000)).isTrue();
        List<String> resumed = new ArrayList<>();
        assertThat(second.take(500)).isFalse();
        second.await(500, () -> resumed.add("second"));

        first.close();

        assertThat(resumed).containsExactly("second");
        assertThat(budget.used()).isEqualTo(1500);
    }

    @Test
    void aBodyClosedWhilePausedLeavesNothingBehind() {
        InflightBytes.Claim holder = budget.open();
        InflightBytes.Claim paused = budget.open();
        assertThat(holder.take(1000)).isTrue();
        assertThat(paused.take(10)).isFalse();
        List<String> resumed = new ArrayList<>();
        paused.await(10, () -> resumed.add("paused"));

        paused.close();
        holder.close();

        assertThat(resumed).isEmpty();
        assertThat(budget.used()).isZero();
    }

    private static WebhookConfig config(String maxInflight) {
        return new SmallRyeConfigBuilder()
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withConverter(Duration.class, 100, new DurationConverter())
                .withMapping(WebhookConfig.class)
                .withDefaultValue("ingress.webhook.max-inflight-bytes", maxInflight)
                .build()
                .getConfigMapping(WebhookConfig.class);
    }
}
