package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import clinic.ingress.evolution.EvolutionEvent;
import clinic.ingress.evolution.EvolutionParser;
import clinic.ingress.support.EvolutionFuzz;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * 100,000 Evolution-like bodies (the corpus, mutated) through the parser: it never throws, and every
 * body is classified as a message with its identifiers, an event to ignore, or an invalid event with
 * a reason.
 */
class FuzzParserProperties {

    private final EvolutionParser parser = new EvolutionParser(false, config().maxBodySize().asLongValue());

    @Property(tries = 100_000)
    void everyBodyIsClassifiedAndNothingEscapes(@ForAll("bodies") byte[] body) {
        EvolutionEvent event = parser.parse(null, body);

        assertThat(event).isNotNull();
        if (event instanceof EvolutionEvent.Message message) {
            assertThat(message.message().whatsappId()).isNotBlank();
            assertThat(message.message().instanceName()).isNotBlank();
            assertThat(message.message().patient().key()).isNotBlank();
            assertThat(message.message().messageTimestamp()).isNotNull();
        } else if (event instanceof EvolutionEvent.Invalid invalid) {
            assertThat(invalid.detail()).isNotBlank();
        } else {
            assertThat(event).isInstanceOf(EvolutionEvent.Ignored.class);
        }
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        return EvolutionFuzz.bodies("fuzz-instance");
    }

    private static WebhookConfig config() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withConverter(Duration.class, 100, new DurationConverter())
                .withMapping(WebhookConfig.class)
                .build();
        return config.getConfigMapping(WebhookConfig.class);
    }
}
