package clinic.ingress.support;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;

/**
 * The tests' span exporter: Quarkus hands finished spans to every SpanExporter bean
 * ({@code quarkus.otel.traces.exporter=cdi}), so tests read the spans a webhook produced.
 */
@Singleton
public class InMemorySpans {

    @Produces
    @Singleton
    InMemorySpanExporter exporter() {
        return InMemorySpanExporter.create();
    }
}
