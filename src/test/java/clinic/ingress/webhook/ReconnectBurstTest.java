package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.EvolutionSender;
import clinic.ingress.support.EvolutionSender.Policy;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A phone that was offline reconnects and Evolution emits its backlog at once, one POST per
 * message, as {@link EvolutionSender} does: on a service with room, every message of the burst is
 * stored, whether the sender retries (2.3) or not (up to 2.2.0: a refusal would lose the message).
 */
@QuarkusTest
class ReconnectBurstTest {

    @TestHTTPResource("/webhooks/evolution")
    URL url;

    @Test
    void aBurstFromASenderThatNeverRetriesLosesNothing() throws Exception {
        Db.TestClinic clinic = Db.clinic("burst-noretry");

        EvolutionSender.Result result = EvolutionSender.to(url.toURI(), Policy.NO_RETRY, 1).burst(burst(clinic, 600));

        assertThat(result.lost()).as("lost, by status %s", result.statusCounts()).isZero();
        assertThat(Db.messages(clinic.instance())).isEqualTo(600);
    }

    @Test
    void aBurstFromEvolution23IsStoredAtTheFirstTry() throws Exception {
        Db.TestClinic clinic = Db.clinic("burst-23");

        EvolutionSender.Result result = EvolutionSender.to(url.toURI(), Policy.EVOLUTION_2_3, 0.01).burst(burst(clinic, 600));

        assertThat(result.lost()).isZero();
        assertThat(result.acceptedFirstTime()).as("first try, by status %s", result.statusCounts())
                .isGreaterThanOrEqualTo(594);
        assertThat(Db.messages(clinic.instance())).isEqualTo(600);
    }

    @Test
    void fiveThousandAtOnceLoseNothing() throws Exception {
        Db.TestClinic clinic = Db.clinic("burst-5000");

        EvolutionSender.Result result = EvolutionSender.to(URI.create(url.toString()), Policy.EVOLUTION_2_3, 0.01)
                .burst(burst(clinic, 5000));

        assertThat(result.lost()).as("lost, by status %s", result.statusCounts()).isZero();
        assertThat(Db.messages(clinic.instance())).isEqualTo(5000);
    }

    /** A backlog of one instance: many patients, several messages each. */
    private static List<String> burst(Db.TestClinic clinic, int messages) {
        List<String> bodies = new ArrayList<>(messages);
        for (int i = 0; i < messages; i++) {
            bodies.add(Evolution.text(clinic.instance(), "55119300" + String.format("%05d", i % 150), "mensagem " + i).json());
        }
        return bodies;
    }
}
