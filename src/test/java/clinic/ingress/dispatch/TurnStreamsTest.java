package clinic.ingress.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Partition naming and choice, without booting Quarkus. */
@Tag("fast")
class TurnStreamsTest {

    @Test
    void oneStreamByDefaultSoStandaloneUsersSeeNoChange() {
        TurnStreams streams = new TurnStreams("ingress:turns", 1);
        assertThat(streams.all()).containsExactly("ingress:turns");
        assertThat(streams.of("p_anything")).isEqualTo("ingress:turns");
    }

    @Test
    void partitionsAreHashTaggedAndAPatientAlwaysLandsInTheSameOne() {
        TurnStreams streams = new TurnStreams("ingress:turns", 6);
        assertThat(streams.all()).containsExactly("ingress:turns:{0}", "ingress:turns:{1}", "ingress:turns:{2}",
                "ingress:turns:{3}", "ingress:turns:{4}", "ingress:turns:{5}");
        Map<String, Integer> perStream = new HashMap<>();
        for (int i = 0; i < 6000; i++) {
            String patient = "p_" + Integer.toHexString(i * 7919);
            assertThat(streams.of(patient)).isEqualTo(streams.of(patient));
            perStream.merge(streams.of(patient), 1, Integer::sum);
        }
        // CRC32 spreads patients evenly enough: no partition gets less than half its share.
        assertThat(perStream).hasSize(6);
        assertThat(perStream.values()).allSatisfy(n -> assertThat(n).isGreaterThan(500));
    }

    @Test
    void theChoiceIsCrc32SoConsumersInAnyLanguageCanComputeIt() {
        // python3 -c "import zlib; print(zlib.crc32(b'p_abc') % 6)" prints 2
        assertThat(TurnStreams.partition("p_abc", 6)).isEqualTo(2);
    }

    @Test
    void aStreamNameWithBracesOrABadCountIsRefused() {
        assertThatThrownBy(() -> new TurnStreams("turns:{x}", 3)).hasMessageContaining("braces");
        assertThatThrownBy(() -> new TurnStreams("ingress:turns", 0)).hasMessageContaining("between 1 and 1024");
    }
}
