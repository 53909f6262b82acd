package clinic.ingress.webhook;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.resteasy.reactive.RestResponse;

import clinic.ingress.clinic.Clinic;
import clinic.ingress.clinic.ClinicDirectory;
import clinic.ingress.conversation.MessageStore;
import clinic.ingress.conversation.StoredMessage;
import clinic.ingress.dispatch.PendingTurn;
import clinic.ingress.dispatch.TurnPublisher;
import clinic.ingress.evolution.EvolutionEvent;
import clinic.ingress.evolution.EvolutionParser;
import clinic.ingress.evolution.InboundMessage;
import clinic.ingress.memory.MemoryLookup;
import clinic.ingress.memory.MemorySubject;
import clinic.ingress.memory.MemoryWriter;
import clinic.ingress.memory.PatientMemory;
import clinic.ingress.platform.Failures;
import clinic.ingress.platform.Tracing;
import clinic.ingress.webhook.WebhookMetrics.Outcome;
import io.opentelemetry.api.trace.Span;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * The webhook pipeline: authenticate, parse, resolve the clinic, store exactly once, answer.
 *
 * <p>Answers follow Evolution's retry rules: 400 and 401 are never retried, so they are used only for
 * what a retry cannot fix, and whatever could be fixed later (PostgreSQL down) is a 503. An event
 * from an authenticated sender that cannot be routed is quarantined, never dropped.
 */
@ApplicationScoped
public class WebhookIngest {

    private final Credentials credentials;
    private final InstanceSecrets secrets;
    private final EvolutionParser parser;
    private final ClinicDirectory directory;
    private final MessageStore messages;
    private final QuarantineStore quarantine;
    private final WebhookConfig config;
    private final WebhookMetrics metrics;
    private final PatientMemory memory;
    private final MemoryWriter memoryWriter;
    private final TurnPublisher turns;
    private final InstanceActivity activity;
    private final Tracing tracing;

    @SuppressWarnings("java:S107") // constructor injection of the pipeline's steps
    public WebhookIngest(Credentials credentials, InstanceSecrets secrets, ClinicDirectory directory,
            MessageStore messages, QuarantineStore quarantine, WebhookConfig config, WebhookMetrics metrics,
            PatientMemory memory, MemoryWriter memoryWriter, TurnPublisher turns, InstanceActivity activity,
            Tracing tracing) {
        this.tracing = tracing;
        this.activity = activity;
        this.turns = turns;
        this.memory = memory;
        this.memoryWriter = memoryWriter;
        this.credentials = credentials;
        this.secrets = secrets;
        this.parser = new EvolutionParser(config.acceptGroups(), config.maxBodySize().asLongValue());
        this.directory = directory;
        this.messages = messages;
        this.quarantine = quarantine;
        this.config = config;
        this.metrics = metrics;
    }

    public Uni<RestResponse<WebhookAnswer>> receive(WebhookRequest request) {
        if (request.body().length > config.maxBodySize().asLongValue()) {
            return reject(Outcome.INVALID, WebhookRejection.tooLarge(config.maxBodySize().asLongValue()));
        }
        Sender sender = request.sender();
        if (sender == null || sender.kind() == Sender.Kind.REJECTED || sender.kind() == Sender.Kind.ABSENT) {
            return reject(Outcome.UNAUTHORIZED, WebhookRejection.unauthorized());
        }
        EvolutionEvent event = parser.parse(request.pathEvent(), request.body());
        // A credential vouches for one instance, or for those without a secret of their own.
        if (!sender.mayWriteAs(event.instance(), secrets)) {
            Log.warnf("credentials of %s used for instance %s: refused",
                    sender.kind() == Sender.Kind.INSTANCE ? "instance " + sender.instance() : sender.kind(), event.instance());
            return reject(Outcome.UNAUTHORIZED, WebhookRejection.unauthorized());
        }
        if (sender.kind() != Sender.Kind.BODY_APIKEY) {
            return event instanceof EvolutionEvent.Message
                    ? resolve(event.instance()).chain(clinic -> handle(request, event, clinic))
                    : handle(request, event, null);
        }
        // Only the body's apikey can vouch for this sender, and only for an instance we know.
        if (event.instance() == null) {
            return reject(Outcome.UNAUTHORIZED, WebhookRejection.unauthorized());
        }
        return resolve(event.instance())
                .chain(clinic -> apikeyValid(event, clinic)
                        ? handle(request, event, clinic)
                        : reject(Outcome.UNAUTHORIZED, WebhookRejection.unauthorized()));
    }

    /** Handles an authenticated event; {@code clinic} is resolved for messages (null when unknown). */
    private Uni<RestResponse<WebhookAnswer>> handle(WebhookRequest request, EvolutionEvent event, Clinic clinic) {
        if (event instanceof EvolutionEvent.Invalid invalid) {
            Log.infof("invalid event from instance %s: %s", invalid.instance(), invalid.detail());
            return quarantine(request, invalid.reason(), invalid.instance(), invalid.event(), invalid.whatsappId())
                    .chain(() -> reject(Outcome.INVALID, WebhookRejection.badRequest(invalid.detail())));
        }
        if (event instanceof EvolutionEvent.Ignored ignored) {
            Log.debugf("ignored %s from instance %s: %s", ignored.event(), ignored.instance(), ignored.reason());
            metrics.count(Outcome.IGNORED);
            return Uni.createFrom().item(RestResponse.ok(WebhookAnswer.ignored(ignored.reason())));
        }
        InboundMessage message = ((EvolutionEvent.Message) event).message();
        if (clinic == null) {
            Log.warnf("instance %s is not in the clinic directory: message %s quarantined",
                    message.instanceName(), message.whatsappId());
            return quarantine(request, "unknown-instance", message.instanceName(), message.event(), message.whatsappId())
                    .map(ignored -> RestResponse.status(RestResponse.Status.ACCEPTED,
                            WebhookAnswer.quarantined("unknown-instance")));
        }
        activity.seen(clinic.instanceName());
        // Inside the span: the current span is message.store, whose context a relayed turn carries.
        return tracing.span("message.store", () -> messages.store(clinic, message, Tracing.traceparent(Span.current())))
                .ifNoItem().after(config.storeTimeout()).fail()
                .onFailure().transform(this::unavailable)
                .chain(stored -> stored.isRejected()
                        ? rejected(request, message, stored)
                        : remember(message, stored).map(lookup -> answer(message, stored, lookup)));
    }

    /**
     * PostgreSQL refused the message's data (a timestamp out of its range, say): a retry cannot fix
     * that, and a 4xx would make Evolution drop it, so the raw event is quarantined and answered 202.
     */
    private Uni<RestResponse<WebhookAnswer>> rejected(WebhookRequest request, InboundMessage message, StoredMessage stored) {
        Log.warnf("PostgreSQL refused message %s from instance %s (sqlstate %s): quarantined",
                message.whatsappId(), message.instanceName(), stored.sqlState());
        return quarantine(request, "database-rejected:" + stored.sqlState(), message.instanceName(), message.event(),
                message.whatsappId())
                .map(ignored -> RestResponse.status(RestResponse.Status.ACCEPTED,
                        WebhookAnswer.quarantined("database-rejected")));
    }

    /**
     * Durable first, then memory: the lookup never exceeds ingress.memory.lookup-budget, the message
     * is queued for mem0 off the webhook path, and the turn goes to the stream in the background
     * (it is in the outbox: the relay publishes it if this does not). Null for messages without a
     * turn (duplicates, fromMe).
     */
    private Uni<MemoryLookup> remember(InboundMessage message, StoredMessage stored) {
        PendingTurn turn = stored.turn();
        if (turn == null) {
            return Uni.createFrom().nullItem();
        }
        MemorySubject subject = turn.subject();
        memoryWriter.enqueue(subject, message.text(), turn.messageId());
        return tracing.span("memory.lookup", () -> memory.lookup(subject))
                .onFailure().recoverWithItem(MemoryLookup.NONE)
                .invoke(lookup -> publish(turn, lookup));
    }

    /** The turn carries the traceparent of its publish span: the assistant continues this trace. */
    private void publish(PendingTurn turn, MemoryLookup lookup) {
        Span span = tracing.start("turn.publish");
        turns.publishAfterStore(turn, lookup, Tracing.traceparent(span), span::end);
    }

    private Uni<Clinic> resolve(String instance) {
        return tracing.span("clinic.resolve", () -> directory.resolve(instance))
                .onFailure().transform(this::unavailable);
    }

    private RestResponse<WebhookAnswer> answer(InboundMessage message, StoredMessage stored, MemoryLookup memory) {
        if (stored.isDuplicate()) {
            Log.debugf("duplicate message %s from instance %s", message.whatsappId(), message.instanceName());
            metrics.count(Outcome.DUPLICATE);
            return RestResponse.ok(WebhookAnswer.duplicate());
        }
        Log.debugf("stored %s message %s from instance %s", message.direction(), message.whatsappId(), message.instanceName());
        metrics.count(Outcome.ACCEPTED);
        return RestResponse.ok(WebhookAnswer.accepted(stored.messageId(), stored.sessionId(),
                memory == null ? null : memory.state()));
    }

    private Uni<Void> quarantine(WebhookRequest request, String reason, String instance, String event, String whatsappId) {
        return quarantine.keep(reason, instance, event, whatsappId, request.contentType(), request.body())
                .ifNoItem().after(config.storeTimeout()).fail()
                .onFailure().transform(this::unavailable)
                .invoke(() -> metrics.count(Outcome.QUARANTINED));
    }

    private boolean apikeyValid(EvolutionEvent event, Clinic clinic) {
        return config.instanceApikeyEnabled()
                && clinic != null
                && credentials.apikeyMatches(event.apikey(), clinic.apiKeySha256());
    }

    private Throwable unavailable(Throwable failure) {
        if (failure instanceof WebhookRejection rejection) {
            return rejection;
        }
        Log.warnf("PostgreSQL unavailable, answering 503: %s", Failures.describe(failure));
        metrics.count(Outcome.UNAVAILABLE);
        return WebhookRejection.unavailable(config.retryAfter(), failure);
    }

    private Uni<RestResponse<WebhookAnswer>> reject(Outcome outcome, WebhookRejection rejection) {
        metrics.count(outcome);
        return Uni.createFrom().failure(rejection);
    }
}
