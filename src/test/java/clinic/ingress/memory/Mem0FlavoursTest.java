package clinic.ingress.memory;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;

import clinic.ingress.support.Mem0Stub;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every mem0 flavour, from fixtures written from research/evolution-mem0.md §2: the path, the auth
 * header, the body shape (v3 rejects top-level entity ids) and the answer shape.
 */
@QuarkusTest
@WithTestResource(Mem0Stub.class)
class Mem0FlavoursTest {

    @Inject
    MeterRegistry registry;

    @BeforeEach
    void reset() {
        Mem0Stub.server().resetAll();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "V3, /v3/memories/search/, /v3/memories/add/, search-v3.json, add-v3.json, Authorization, Token m0-test-key",
            "V2, /v2/memories/search/, /v1/memories/, search-v2.json, add-v1.json, Authorization, Token m0-test-key",
            "V1, /v1/memories/search/, /v1/memories/, search-v1.json, add-v1.json, Authorization, Token m0-test-key",
            "OSS, /search, /memories, search-oss.json, add-oss.json, X-API-Key, m0-test-key" })
    void searchesAndAddsInEachFlavour(Mem0Config.Api api, String searchPath, String addPath, String searchFixture,
            String addFixture, String authHeader, String authValue) {
        Mem0Stub.server().stubFor(post(urlEqualTo(searchPath)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(Mem0Stub.fixture(searchFixture))));
        Mem0Stub.server().stubFor(post(urlEqualTo(addPath)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(Mem0Stub.fixture(addFixture))));
        Mem0Gateway gateway = new Mem0Gateway(config(api, Mem0Stub.server().baseUrl()), registry);

        List<MemoryItem> items = gateway.search("p_abc").await().atMost(Duration.ofSeconds(5));
        gateway.add("p_abc", List.of("Quero remarcar", "Pode ser sexta?"), List.of("6f1c3a52-0000-4000-8000-000000000001",
                "6f1c3a52-0000-4000-8000-000000000002")).await().atMost(Duration.ofSeconds(5));

        assertThat(items).extracting(MemoryItem::memory).containsExactly("Alérgica a dipirona", "Prefere consultas pela manhã");
        assertThat(items.get(0).id()).isEqualTo("0b7c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e");
        RequestPatternBuilder search = postRequestedFor(urlEqualTo(searchPath)).withHeader(authHeader, equalTo(authValue))
                .withRequestBody(matchingJsonPath("$.query"));
        if (api == Mem0Config.Api.V1) {
            search.withRequestBody(matchingJsonPath("$.user_id", equalTo("p_abc")));
        } else {
            search.withRequestBody(matchingJsonPath("$.filters.user_id", equalTo("p_abc")))
                    .withRequestBody(matchingJsonPath("$.user_id", absent()))
                    .withRequestBody(matchingJsonPath("$.threshold"));
        }
        Mem0Stub.server().verify(1, search);
        Mem0Stub.server().verify(1, postRequestedFor(urlEqualTo(addPath)).withHeader(authHeader, equalTo(authValue))
                .withRequestBody(matchingJsonPath("$.messages[0].content", equalTo("Quero remarcar")))
                .withRequestBody(matchingJsonPath("$.messages[1].content", equalTo("Pode ser sexta?")))
                .withRequestBody(matchingJsonPath("$.metadata.message_ids[1]", equalTo("6f1c3a52-0000-4000-8000-000000000002")))
                .withRequestBody(matchingJsonPath("$.user_id", equalTo("p_abc"))));
    }

    @Test
    void readsThePaginatedListShape() throws Exception {
        assertThat(Mem0Responses.items(new ObjectMapper().readTree(Mem0Stub.fixture("list-v3-paginated.json"))))
                .extracting(MemoryItem::memory).containsExactly("Alérgica a dipirona", "Prefere consultas pela manhã");
        assertThat(Mem0Responses.items(new ObjectMapper().readTree("{\"unexpected\":true}"))).isEmpty();
    }

    private static Mem0Config config(Mem0Config.Api api, String url) {
        return new Mem0Config() {
            public Optional<String> baseUrl() {
                return Optional.of(url);
            }

            public Optional<String> apiKey() {
                return Optional.of("m0-test-key");
            }

            public Api api() {
                return api;
            }

            public Duration readTimeout() {
                return Duration.ofSeconds(5);
            }

            public Duration connectTimeout() {
                return Duration.ofSeconds(2);
            }

            public int connectionPoolSize() {
                return 8;
            }

            public String query() {
                return "patient profile";
            }

            public int topK() {
                return 20;
            }

            public double threshold() {
                return 0.1;
            }
        };
    }
}
