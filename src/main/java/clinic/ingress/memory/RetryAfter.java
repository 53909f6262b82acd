package clinic.ingress.memory;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import jakarta.ws.rs.WebApplicationException;

/**
 * mem0's {@code Retry-After} on a 429, read defensively: a huge number, a date far away or garbage
 * must neither throw in the write-behind nor hold a write slot (the caller caps it further).
 */
final class RetryAfter {

    private RetryAfter() {
    }

    /**
     * A 429's Retry-After (seconds or an HTTP date), at least {@code floor} (a date in the past, or 0,
     * would retry at once); null when absent or unreadable. The caller caps it.
     */
    static Duration of(Throwable failure, Duration floor) {
        if (!(failure instanceof WebApplicationException http) || http.getResponse() == null
                || http.getResponse().getStatus() != 429) {
            return null;
        }
        String value = http.getResponse().getHeaderString("Retry-After");
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            // Parsed, not a setting: the header's own unit is the second.
            Duration asked = Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
            return asked.compareTo(floor) < 0 ? floor : asked;
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value.trim(),
                        DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration until = Duration.between(Instant.now(), at.toInstant());
                return until.compareTo(floor) < 0 ? floor : until;
            } catch (DateTimeException notADate) {
                return null;
            }
        }
    }
}
