package clinic.ingress.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import clinic.ingress.support.Management;
import clinic.ingress.support.Overrides;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Every outcome series of every {@code ingress.*} counter is on the first scrape after start, at
 * 0, before any webhook: an {@code increase()} alert then sees the first event after a deploy
 * instead of a series that only appears with it. Its own profile, so the application is new.
 */
@QuarkusTest
@TestProfile(CountersFromStartTest.Fresh.class)
class CountersFromStartTest {

    public static class Fresh extends Overrides {
        // Any difference starts an application of its own; this one changes nothing measured.
        public Fresh() {
            super("ingress.quarantine.replay-interval", "6m");
        }
    }

    /** The series each tagged counter can have, as docs/operations.md lists them. */
    private static final List<String> SERIES = List.of(
            "ingress_webhook_events_total{outcome=\"accepted\"}", "ingress_webhook_events_total{outcome=\"duplicate\"}",
            "ingress_webhook_events_total{outcome=\"ignored\"}", "ingress_webhook_events_total{outcome=\"quarantined\"}",
            "ingress_webhook_events_total{outcome=\"unauthorized\"}", "ingress_webhook_events_total{outcome=\"invalid\"}",
            "ingress_webhook_events_total{outcome=\"overloaded\"}", "ingress_webhook_events_total{outcome=\"timeout\"}",
            "ingress_webhook_events_total{outcome=\"unavailable\"}",
            "ingress_memory_writes_total{outcome=\"added\"}", "ingress_memory_writes_total{outcome=\"retried\"}",
            "ingress_memory_writes_total{outcome=\"dropped\"}", "ingress_memory_writes_total{outcome=\"failed\"}",
            "ingress_memory_writes_total{outcome=\"recovered\"}",
            "ingress_turns_published_total{path=\"direct\"}", "ingress_turns_published_total{path=\"relay\"}",
            "ingress_quarantine_replayed_total{outcome=\"stored\"}", "ingress_quarantine_replayed_total{outcome=\"duplicate\"}",
            "ingress_quarantine_replayed_total{outcome=\"failed\"}", "ingress_quarantine_replayed_total{outcome=\"retry\"}",
            "ingress_cache_requests_total{cache=\"memory\",result=\"hit\",tier=\"mem0\"}",
            "ingress_cache_requests_total{cache=\"clinic\",result=\"rekeyed\",tier=\"redis\"}");

    @Test
    void everyCounterAndOutcomeIsThereBeforeTheFirstWebhook() throws IOException {
        String scrape = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        List<String> missing = new ArrayList<>();
        for (String name : counterNames()) {
            if (!scrape.contains("\n" + name + "{") && !scrape.contains("\n" + name + " ")) {
                missing.add(name);
            }
        }
        for (String series : SERIES) {
            String name = series.substring(0, series.indexOf('{'));
            List<String> tags = List.of(series.substring(series.indexOf('{') + 1, series.length() - 1).split(","));
            boolean found = scrape.lines()
                    .anyMatch(line -> line.startsWith(name + "{") && tags.stream().allMatch(line::contains));
            if (!found) {
                missing.add(series);
            }
        }
        assertThat(missing).as("counters or outcomes missing from the first scrape").isEmpty();
        assertThat(scrape).as("nothing happened yet").contains("ingress_webhook_events_total{outcome=\"accepted\"} 0.0");
    }

    /** Every counter the code registers, by its Prometheus name. */
    private static TreeSet<String> counterNames() throws IOException {
        Pattern builder = Pattern.compile("Counter\\.builder\\(\"(ingress\\.[a-z.]+)\"");
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher matcher = builder.matcher(Files.readString(source));
                while (matcher.find()) {
                    names.add(matcher.group(1).replace('.', '_') + "_total");
                }
            }
        }
        assertThat(names).hasSizeGreaterThan(8);
        return names;
    }
}
