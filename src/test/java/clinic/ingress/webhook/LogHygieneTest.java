package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.LogCapture;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.junit.QuarkusTest;

/**
 * No phone number, LID, name or message text in any log line at INFO or above, whatever the outcome.
 */
@QuarkusTest
class LogHygieneTest {

    private static final String PHONE = "5511977712345";
    private static final String LID = "209876543210987";
    private static final String TEXT = "dor de dente muito forte";
    private static final String NAME = "Joana Paciente";

    @Test
    void patientDataNeverReachesTheLog() {
        Db.TestClinic clinic = Db.clinic("logs");
        try (LogCapture logs = LogCapture.install()) {
            Evolution ok = patient(Evolution.text(clinic.instance(), PHONE, TEXT));
            Webhooks.post(ok).statusCode(200);
            Webhooks.post(ok).statusCode(200);
            Webhooks.post(patient(Evolution.text("unknown-" + Evolution.newId(), PHONE, TEXT))).statusCode(202);
            Evolution noId = patient(Evolution.text(clinic.instance(), PHONE, TEXT));
            noId.key().remove("id");
            Webhooks.post(noId).statusCode(400);
            Evolution lidOnly = patient(Evolution.text(clinic.instance(), PHONE, TEXT));
            lidOnly.key().put("remoteJid", LID + "@lid");
            Webhooks.post(lidOnly).statusCode(200);
            Webhooks.post("{\"instance\":\"" + PHONE + TEXT).statusCode(400);

            assertThat(logs.lines()).isNotEmpty();
            assertThat(logs.lines()).noneMatch(line -> line.contains(PHONE) || line.contains(LID)
                    || line.contains(TEXT) || line.contains(NAME));
        }
    }

    private static Evolution patient(Evolution event) {
        event.data().put("pushName", NAME);
        return event;
    }
}
