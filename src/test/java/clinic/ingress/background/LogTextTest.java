package clinic.ingress.background;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fast")
class LogTextTest {

    @Test
    void printableTextIsKeptIncludingEmojiAndAccents() {
        assertThat(LogText.escape("clínica-São Paulo 🦷")).isEqualTo("clínica-São Paulo 🦷");
    }

    @Test
    void controlFormatAndLoneSurrogatesAreEscaped() {
        assertThat(LogText.escape("a\nb\u202ec\u200dd\ud83de")).isEqualTo("a\\u000ab\\u202ec\\u200dd\\ud83de");
    }

    @Test
    void longValuesAreCutAndNullIsSaid() {
        assertThat(LogText.escape("x".repeat(150))).isEqualTo("x".repeat(100) + "...");
        assertThat(LogText.escape(null)).isEqualTo("null");
    }

    @Test
    void aLogArgumentIsTheEscapedText() {
        assertThat(LogText.of("forged\nline")).hasToString("forged\\u000aline");
    }
}
