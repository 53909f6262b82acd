package clinic.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import clinic.ingress.StartupGuard.Settings;

/**
 * Fail closed: a production start without a webhook credential or cache key secret, or with any
 * secret too weak to be one, is refused with a message naming the key and never its value.
 */
@Tag("fast")
class StartupGuardTest {

    private static final String STRONG = "0123456789abcdef0123456789abcdef";
    private static final String AES_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes

    @Test
    void startsWithStrongSecrets() {
        assertThat(guard(Optional.of(STRONG), Optional.empty(), false, Optional.of(STRONG), Optional.of(AES_KEY),
                Optional.of(STRONG)).problems()).isEmpty();
        assertThat(guard(Optional.empty(), Optional.of(STRONG), false, Optional.of(STRONG), Optional.of(AES_KEY),
                Optional.empty()).problems()).isEmpty();
        assertThat(guard(Optional.empty(), Optional.empty(), true, Optional.of(STRONG), Optional.of(AES_KEY),
                Optional.empty()).problems()).isEmpty();
    }

    @Test
    void refusesToCachePatientDataInPlaintextUnlessAllowed() {
        StartupGuard guard = guard(Optional.of(STRONG), Optional.empty(), false, Optional.of(STRONG), Optional.empty(),
                Optional.empty());

        assertThat(guard.problems()).singleElement().asString().startsWith("no ingress.cache.encryption-key");
        assertThatThrownBy(() -> guard.check(null)).hasMessageContaining("ingress.cache.encryption-key")
                .hasMessageContaining("ingress.cache.plaintext-allowed");

        StartupGuard allowed = new StartupGuard(new Settings(Optional.of(STRONG), Optional.empty(), false,
                Optional.of(STRONG), Optional.empty(), List.of(), true, Optional.empty(), Optional.of(AES_KEY), false), true);
        assertThat(allowed.problems()).isEmpty();
        assertThatCode(() -> allowed.check(null)).doesNotThrowAnyException();
    }

    @Test
    void refusesToPublishTurnsInPlaintextUnlessAllowed() {
        StartupGuard guard = new StartupGuard(new Settings(Optional.of(STRONG), Optional.empty(), false, Optional.of(STRONG),
                Optional.of(AES_KEY), List.of(), false, Optional.empty(), Optional.empty(), false), true);

        assertThat(guard.problems()).singleElement().asString().startsWith("no ingress.dispatch.seal-key");
        assertThatThrownBy(() -> guard.check(null)).hasMessageContaining("ingress.dispatch.seal-key")
                .hasMessageContaining("ingress.dispatch.plaintext-allowed");

        StartupGuard allowed = new StartupGuard(new Settings(Optional.of(STRONG), Optional.empty(), false,
                Optional.of(STRONG), Optional.of(AES_KEY), List.of(), false, Optional.empty(), Optional.empty(), true), true);
        assertThat(allowed.problems()).isEmpty();
        StartupGuard shortKey = new StartupGuard(new Settings(Optional.of(STRONG), Optional.empty(), false,
                Optional.of(STRONG), Optional.of(AES_KEY), List.of(), false, Optional.empty(), Optional.of("c2hvcnQ="), false),
                true);
        assertThat(shortKey.problems()).singleElement().asString()
                .contains("ingress.dispatch.seal-key is not a base64 256-bit");
    }

    @Test
    void refusesAPreviousEncryptionKeyThatIsNotOne() {
        StartupGuard guard = new StartupGuard(new Settings(Optional.of(STRONG), Optional.empty(), false,
                Optional.of(STRONG), Optional.of(AES_KEY), List.of(AES_KEY, "c2hvcnQ="), false, Optional.empty(),
                Optional.of(AES_KEY), false), true);
        assertThat(guard.problems()).singleElement().asString().contains("ingress.cache.previous-encryption-keys");
    }

    @Test
    void refusesToStartWithoutCredential() {
        StartupGuard guard = guard(Optional.empty(), Optional.empty(), false, Optional.of(STRONG), Optional.of(AES_KEY),
                Optional.empty());

        assertThat(guard.problems()).singleElement().asString().contains("no webhook credential");
        assertThatThrownBy(() -> guard.check(null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refuses to start");
    }

    @Test
    void refusesToStartWithoutCacheKeySecret() {
        StartupGuard guard = guard(Optional.of(STRONG), Optional.empty(), false, Optional.empty(), Optional.of(AES_KEY),
                Optional.empty());
        assertThat(guard.problems()).singleElement().asString().contains("ingress.cache.key-secret");
    }

    @Test
    void refusesBlankSecretsNamingTheKeyNotTheValue() {
        StartupGuard guard = guard(Optional.of("   "), Optional.of(""), false, Optional.of(STRONG), Optional.of(AES_KEY),
                Optional.of(" "));

        assertThat(guard.problems()).containsExactlyInAnyOrder(
                "ingress.webhook.token is blank", "ingress.webhook.jwt-secret is blank", "ingress.admin.token is blank");
        assertThatThrownBy(() -> guard.check(null)).hasMessageContaining("ingress.webhook.token is blank");
    }

    @Test
    void refusesEightCharacterSecretsNamingTheKeyNotTheValue() {
        String weak = "s3cr3t!!";
        StartupGuard guard = guard(Optional.of(weak), Optional.of(weak), false, Optional.of(weak), Optional.of("c2hvcnQ="),
                Optional.of(weak));

        assertThat(guard.problems()).hasSize(5).noneMatch(problem -> problem.contains(weak))
                .anyMatch(problem -> problem.startsWith("ingress.webhook.token is shorter than 32"))
                .anyMatch(problem -> problem.startsWith("ingress.webhook.jwt-secret is shorter than 32"))
                .anyMatch(problem -> problem.startsWith("ingress.cache.key-secret is shorter than 32"))
                .anyMatch(problem -> problem.startsWith("ingress.admin.token is shorter than 32"))
                .anyMatch(problem -> problem.startsWith("ingress.cache.encryption-key is not a base64 256-bit key"));
        assertThatThrownBy(() -> guard.check(null)).isInstanceOf(IllegalStateException.class)
                .message().doesNotContain(weak);
    }

    @Test
    void devStartsDespiteProblems() {
        StartupGuard guard = new StartupGuard(new Settings(Optional.empty(), Optional.empty(), false, Optional.empty(),
                Optional.empty(), List.of(), false, Optional.empty(), Optional.empty(), false), false);

        assertThat(guard.problems()).hasSize(4);
        assertThatCode(() -> guard.check(null)).doesNotThrowAnyException();
    }

    private static StartupGuard guard(Optional<String> token, Optional<String> jwt, boolean instance,
            Optional<String> keySecret, Optional<String> encryptionKey, Optional<String> admin) {
        return new StartupGuard(new Settings(token, jwt, instance, keySecret, encryptionKey, List.of(), false, admin,
                Optional.of(AES_KEY), false), true);
    }
}
