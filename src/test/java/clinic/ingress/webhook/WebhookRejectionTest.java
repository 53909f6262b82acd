package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The README's answer table, as the rejections make it: what a retry can fix is a 5xx or 408 (which
 * Evolution retries), with Retry-After where waiting helps; what it cannot is a 4xx Evolution drops.
 */
@Tag("fast")
class WebhookRejectionTest {

    @Test
    void whatARetryCannotFixIsA4xxWithoutRetryAfter() {
        assertThat(WebhookRejection.unauthorized()).satisfies(r -> answer(r, 401, "unauthorized", null));
        assertThat(WebhookRejection.badRequest("no key.id")).satisfies(r -> answer(r, 400, "invalid-event", null));
        assertThat(WebhookRejection.tooLarge(16)).satisfies(r -> answer(r, 413, "body-too-large", null));
    }

    @Test
    void whatARetryFixesIsRetriedByEvolution() {
        assertThat(WebhookRejection.bodyTimeout()).satisfies(r -> answer(r, 408, "body-timeout", null));
        assertThat(WebhookRejection.starting(5)).satisfies(r -> answer(r, 503, "starting", 5));
        assertThat(WebhookRejection.busy(5)).satisfies(r -> answer(r, 503, "intake-busy", 5));
        assertThat(WebhookRejection.overloaded(7)).satisfies(r -> answer(r, 503, "overloaded", 7));
        assertThat(WebhookRejection.unavailable(5, new IllegalStateException("x")))
                .satisfies(r -> answer(r, 503, "storage-unavailable", 5));
    }

    @Test
    void anUnavailableStoreKeepsItsCauseForTheLogButNotInTheAnswer() {
        var cause = new IllegalStateException("connection refused");
        WebhookRejection rejection = WebhookRejection.unavailable(5, cause);
        assertThat(rejection.getCause()).isSameAs(cause);
        assertThat(rejection.getMessage()).doesNotContain("connection refused");
    }

    private static void answer(WebhookRejection rejection, int status, String code, Integer retryAfter) {
        assertThat(rejection.status()).isEqualTo(status);
        assertThat(rejection.code()).isEqualTo(code);
        assertThat(rejection.retryAfter()).isEqualTo(retryAfter);
        assertThat(rejection.getMessage()).isNotBlank();
    }
}
