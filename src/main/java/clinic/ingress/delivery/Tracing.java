package clinic.ingress.delivery;

import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Scope;
import io.smallrye.mutiny.Uni;

/**
 * Spans around the webhook's steps (children of the request's server span, which Quarkus opens) and
 * the W3C {@code traceparent} that carries the trace into the turn, so the assistant continues it.
 * With the SDK disabled (the default: {@code quarkus.otel.sdk.disabled=true}) every span is a no-op
 * and no traceparent is written: Quarkus's "disabled" SDK only drops the exporter, its tracer still
 * samples and records, so each step would start a root trace nobody can see and every turn would
 * carry its id. The API's no-op tracer costs nothing and yields invalid span contexts instead.
 */
@ApplicationScoped
public class Tracing {

    private final Tracer tracer;
    private final boolean off;

    public Tracing(Tracer tracer, @ConfigProperty(name = "quarkus.otel.sdk.disabled") boolean sdkDisabled) {
        this.tracer = sdkDisabled ? TracerProvider.noop().get("clinic-ingress") : tracer;
        this.off = sdkDisabled;
    }

    /** Runs {@code work} inside a child span that ends when its Uni does. */
    public <T> Uni<T> span(String name, Supplier<Uni<T>> work) {
        if (off) {
            // Making even a no-op span current copies the trace ids into the MDC and wraps the Uni
            // twice: 8 % of the write path's allocation (JFR, docs/benchmarks.md), for nothing.
            return work.get();
        }
        Span span = tracer.spanBuilder(name).startSpan();
        Uni<T> uni;
        try (Scope ignored = span.makeCurrent()) {
            uni = work.get();
        }
        return uni
                .onItemOrFailure().invoke((item, failure) -> {
                    if (failure != null) {
                        // The failure's class only: messages can quote patient data.
                        span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
                    }
                    span.end();
                })
                .onCancellation().invoke(span::end);
    }

    /** A child span the caller ends. */
    public Span start(String name) {
        return tracer.spanBuilder(name).startSpan();
    }

    /** {@code 00-<trace id>-<span id>-<flags>} of a recording span, or null when tracing is off. */
    public static String traceparent(Span span) {
        SpanContext context = span.getSpanContext();
        if (!context.isValid()) {
            return null;
        }
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }
}
