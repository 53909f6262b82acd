package clinic.ingress.memory;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import clinic.ingress.support.Mem0Stub;
import clinic.ingress.support.Overrides;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;

/**
 * The mem0 search budget is shared by organization, not first come first served: while one clinic's
 * burst of new patients fills every place and the waiting room, another clinic's patient is searched
 * next, and the burst is the one that gives way (its lookups answer none, as on a timeout).
 */
@QuarkusTest
@WithTestResource(Mem0Stub.class)
@TestProfile(Mem0FairnessTest.TwoPlaces.class)
class Mem0FairnessTest {

    public static class TwoPlaces extends Overrides {
        public TwoPlaces() {
            // No start-up prefetch: other tests' patients would share the two places.
            super("ingress.memory.search-concurrency", "2", "ingress.memory.search-queue", "6",
                    "ingress.memory.prefetch-window", "0s");
        }
    }

    private static final String SEARCH = "/v3/memories/search/";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    PatientMemory memory;

    @Test
    void anotherOrganizationsPatientIsSearchedNextAndTheBurstGivesWay() throws Exception {
        Mem0Stub.server().resetAll();
        Mem0Stub.server().stubFor(post(urlEqualTo(SEARCH)).willReturn(aResponse().withStatus(200).withFixedDelay(1500)
                .withHeader("Content-Type", "application/json").withBody(Mem0Stub.fixture("search-v3.json"))));
        UUID busy = UUID.randomUUID();
        UUID quiet = UUID.randomUUID();
        List<Uni<MemoryLookup>> burst = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            burst.add(memory.lookup(new MemorySubject(busy, "55119500" + String.format("%05d", i))).memoize().indefinitely());
        }
        burst.forEach(lookup -> lookup.subscribe().with(ignored -> {
        }));
        MemorySubject patient = new MemorySubject(quiet, "5511950099999");

        assertThat(memory.lookup(patient).await().atMost(Duration.ofSeconds(5)).state()).as("within the lookup budget")
                .isEqualTo("none");

        // Two searches ran first, and the quiet organization's came right after them, before the
        // burst's queued ones.
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> searched().contains(memory.pseudonym(patient)));
        assertThat(searched().indexOf(memory.pseudonym(patient))).isLessThanOrEqualTo(3);
        // The burst kept at most its places and the rest of the waiting room; the others answered none at once.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> searched().size() >= 8);
        assertThat(searched()).hasSizeLessThanOrEqualTo(2 + 6 + 1);
    }

    /** The user ids mem0 was asked for, in the order the requests arrived. */
    private static List<String> searched() {
        return Mem0Stub.server().findAll(postRequestedFor(urlEqualTo(SEARCH))).stream()
                .sorted((a, b) -> a.getLoggedDate().compareTo(b.getLoggedDate()))
                .map(request -> {
                    try {
                        return JSON.readTree(request.getBodyAsString()).path("filters").path("user_id").asText();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
    }
}
