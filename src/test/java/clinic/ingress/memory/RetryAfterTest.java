package clinic.ingress.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * mem0's 429 Retry-After as the write-behind reads it: seconds or an HTTP date, never below the
 * floor it is given (write-initial-backoff), nothing for another status or an unreadable header.
 */
@Tag("fast")
class RetryAfterTest {

    private static final Duration FLOOR = Duration.ofSeconds(1);

    @Test
    void secondsAreTakenAndAZeroOrAPastDateWaitsTheFloor() {
        assertThat(RetryAfter.of(tooMany("30"), FLOOR)).isEqualTo(Duration.ofSeconds(30));
        assertThat(RetryAfter.of(tooMany("0"), FLOOR)).isEqualTo(FLOOR);
        assertThat(RetryAfter.of(tooMany("Wed, 21 Oct 2015 07:28:00 GMT"), FLOOR)).isEqualTo(FLOOR);
    }

    @Test
    void anotherStatusOrAnUnreadableHeaderIsNoAnswer() {
        assertThat(RetryAfter.of(new WebApplicationException(Response.status(503).header("Retry-After", "5").build()), FLOOR))
                .isNull();
        assertThat(RetryAfter.of(tooMany("soon"), FLOOR)).isNull();
        assertThat(RetryAfter.of(new IllegalStateException("no response"), FLOOR)).isNull();
    }

    private static WebApplicationException tooMany(String retryAfter) {
        return new WebApplicationException(Response.status(429).header("Retry-After", retryAfter).build());
    }
}
