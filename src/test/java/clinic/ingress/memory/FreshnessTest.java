package clinic.ingress.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Freshness decisions as pure functions, without Quarkus: the fresh window, the adaptive TTL and its
 * bound, and XFetch's early refresh at both ends of its random draw.
 */
@Tag("fast")
class FreshnessTest {

    private static final Instant FETCHED = Instant.parse("2026-11-25T10:00:00Z");
    private static final MemoryEntry HOUR = new MemoryEntry(List.of(), FETCHED, 2_000, Duration.ofHours(1).toMillis());

    private static Freshness freshness(double random) {
        return new Freshness(5, 3.0, Duration.ofHours(24), 1.0, () -> random);
    }

    @Test
    void anEntryIsFreshForItsWindowThenStale() {
        Freshness f = freshness(0.5);
        assertThat(f.fresh(HOUR, 0, FETCHED.plus(Duration.ofMinutes(59)))).isTrue();
        assertThat(f.fresh(HOUR, 0, FETCHED.plus(Duration.ofMinutes(60)))).isFalse();
    }

    @Test
    void activePatientsStayFreshLongerButNeverPastTheStaleBound() {
        Freshness f = freshness(0.5);
        assertThat(f.freshFor(HOUR, 4)).isEqualTo(Duration.ofHours(1).toMillis());
        assertThat(f.freshFor(HOUR, 5)).isEqualTo(Duration.ofHours(3).toMillis());
        assertThat(f.fresh(HOUR, 5, FETCHED.plus(Duration.ofHours(2)))).isTrue();

        MemoryEntry tenHours = new MemoryEntry(List.of(), FETCHED, 2_000, Duration.ofHours(10).toMillis());
        assertThat(f.freshFor(tenHours, 50)).isEqualTo(Duration.ofHours(24).toMillis());
    }

    @Test
    void xfetchRefreshesEarlyOnlyNearExpiryAndMoreSoForSlowFetches() {
        // A draw of 1 means no head start: refresh only once the entry has expired.
        assertThat(freshness(1.0).refreshEarly(HOUR, 0, FETCHED.plus(Duration.ofMinutes(59)))).isFalse();
        assertThat(freshness(1.0).refreshEarly(HOUR, 0, FETCHED.plus(Duration.ofMinutes(60)))).isTrue();
        // A small draw: -ln(0.001) * 2 s = ~13.8 s ahead of expiry, not an hour ahead.
        assertThat(freshness(0.001).refreshEarly(HOUR, 0, FETCHED.plus(Duration.ofMinutes(59).plusSeconds(50)))).isTrue();
        assertThat(freshness(0.001).refreshEarly(HOUR, 0, FETCHED.plus(Duration.ofMinutes(30)))).isFalse();
        // A fetch that took 60 s earns a much earlier refresh with the same draw (~6.9 min ahead).
        MemoryEntry slow = new MemoryEntry(List.of(), FETCHED, 60_000, Duration.ofHours(1).toMillis());
        assertThat(freshness(0.001).refreshEarly(slow, 0, FETCHED.plus(Duration.ofMinutes(54)))).isTrue();
        assertThat(freshness(0.001).refreshEarly(HOUR, 0, FETCHED.plus(Duration.ofMinutes(54)))).isFalse();
    }
}
