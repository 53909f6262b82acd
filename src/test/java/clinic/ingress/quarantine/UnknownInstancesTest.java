package clinic.ingress.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import clinic.ingress.support.LogCapture;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A flood from an instance that is not in the directory is one WARN line per notice interval, and a
 * name made to forge log lines is logged escaped.
 */
@QuarkusTest
class UnknownInstancesTest {

    @Inject
    QuarantineConfig config;

    @Test
    void firstMessageOfAnInstanceWarnsTheRestDoNot() {
        UnknownInstances notices = new UnknownInstances(config);
        try (LogCapture log = LogCapture.install()) {
            for (int i = 0; i < 50; i++) {
                notices.quarantined("not-onboarded-a", "MSG-A-" + i);
            }
            notices.quarantined("not-onboarded-b", "MSG-B-0");

            List<String> warnings = log.lines().stream().filter(line -> line.contains("not in the clinic directory")).toList();
            assertThat(warnings).hasSize(2);
            assertThat(warnings.get(0)).contains("not-onboarded-a", "MSG-A-0", config.unknownNoticeInterval().toString());
            assertThat(warnings.get(1)).contains("not-onboarded-b");
        }
    }

    @Test
    void controlAndDirectionCharactersAreEscaped() {
        UnknownInstances notices = new UnknownInstances(config);
        try (LogCapture log = LogCapture.install()) {
            notices.quarantined("forged\n12:00:00 INFO all good\u202e", "MSG\r1");

            String line = log.lines().stream().filter(l -> l.contains("not in the clinic directory")).findFirst().orElseThrow();
            assertThat(line).doesNotContain("\n", "\r", "\u202e")
                    .contains("forged\\u000a12:00:00 INFO all good\\u202e", "MSG\\u000d1");
        }
    }
}
