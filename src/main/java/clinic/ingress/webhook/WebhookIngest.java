package clinic.ingress.webhook;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.background.Failures;
import clinic.ingress.background.LogText;
import clinic.ingress.clinic.Clinic;
import clinic.ingress.clinic.ClinicDirectory;
import clinic.ingress.conversation.StoreOverloaded;
import clinic.ingress.credentials.Credentials;
import clinic.ingress.credentials.InstanceSecrets;
import clinic.ingress.credentials.Sender;
import clinic.ingress.delivery.MessagePath;
import clinic.ingress.delivery.Tracing;
import clinic.ingress.evolution.EvolutionEvent;
import clinic.ingress.evolution.InboundMessage;
import clinic.ingress.line.LineStates;
import clinic.ingress.memory.MemoryLookup;
import clinic.ingress.quarantine.QuarantineStore;
import clinic.ingress.webhook.WebhookMetrics.Outcome;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * The webhook pipeline after {@link WebhookRoute} has read the body: may the sender write as the
 * instance, is it within its rate, is the instance known; then {@link MessagePath} and the answer.
 *
 * <p>
 * Answers follow Evolution's retry rules: 400 and 401 are never retried, so they are used only for
 * what a retry cannot fix, and whatever could be fixed later (PostgreSQL down, a flood) is a 503 or
 * 429. An event from an authenticated sender that cannot be routed is quarantined, never dropped.
 */
@ApplicationScoped
public class WebhookIngest {

    private final Credentials credentials;
    private final InstanceSecrets secrets;
    private final ClinicDirectory directory;
    private final QuarantineStore quarantine;
    private final MessagePath path;
    private final WebhookConfig config;
    private final WebhookMetrics metrics;
    private final Tracing tracing;
    private final LineStates lines;

    @SuppressWarnings("java:S107") // constructor injection of the pipeline's steps
    public WebhookIngest(Credentials credentials, InstanceSecrets secrets, ClinicDirectory directory,
            QuarantineStore quarantine,
            MessagePath path, WebhookConfig config, WebhookMetrics metrics, Tracing tracing, LineStates lines) {
        this.lines = lines;
        this.credentials = credentials;
        this.secrets = secrets;
        this.directory = directory;
        this.quarantine = quarantine;
        this.path = path;
        this.config = config;
        this.metrics = metrics;
        this.tracing = tracing;
    }

    public Uni<WebhookAnswer> receive(WebhookRequest request) {
        Sender sender = request.sender();
        Intake intake = request.intake();
        if (sender == null || intake == null || sender.kind() == Sender.Kind.REJECTED || sender.kind() == Sender.Kind.ABSENT) {
            return reject(Outcome.UNAUTHORIZED, WebhookRejection.unauthorized());
        }
        EvolutionEvent event = intake.event();
        // A credential vouches for one instance, or for those without a secret of their own.
        if (!sender.mayWriteAs(event.instance(), secrets)) {
            Log.warnf("credentials of %s used for instance %s: refused",
                    sender.kind() == Sender.Kind.INSTANCE ? "instance " + LogText.of(sender.instance()) : sender.kind(),
                    LogText.of(event.instance()));
            return reject(Outcome.UNAUTHORIZED, WebhookRejection.unauthorized());
        }
        if (sender.kind() != Sender.Kind.BODY_APIKEY) {
            return event instanceof EvolutionEvent.Message || event instanceof EvolutionEvent.LineStatus
                    ? resolve(event.instance()).chain(clinic -> handle(request, event, clinic))
                    : handle(request, event, null);
        }
        // Only the body's apikey can vouch for this sender, and only for an instance we know: nothing
        // of the instance (its activity, its queues) is touched before the key matches, and a name
        // the directory does not know leaves nothing shared behind.
        if (event.instance() == null) {
            return reject(Outcome.UNAUTHORIZED, WebhookRejection.unauthorized());
        }
        return tracing.span("clinic.resolve", () -> directory.resolveUnverified(event.instance()))
                .onFailure().transform(this::unavailable)
                .chain(clinic -> apikeyValid(event, clinic)
                        ? handle(request, event, clinic)
                        : reject(Outcome.UNAUTHORIZED, WebhookRejection.unauthorized()));
    }

    /** Handles an authenticated event; {@code clinic} is resolved for messages (null when unknown). */
    private Uni<WebhookAnswer> handle(WebhookRequest request, EvolutionEvent event, Clinic clinic) {
        if (event instanceof EvolutionEvent.Invalid invalid) {
            Log.infof("invalid event from instance %s: %s", LogText.of(invalid.instance()), invalid.detail());
            return keep(request, invalid.reason(), invalid.instance(), invalid.event(), invalid.whatsappId())
                    .chain(() -> reject(Outcome.INVALID, WebhookRejection.badRequest(invalid.detail())));
        }
        if (event instanceof EvolutionEvent.Ignored ignored) {
            Log.debugf("ignored %s from instance %s: %s", LogText.of(ignored.event()), LogText.of(ignored.instance()),
                    ignored.reason());
            metrics.count(Outcome.IGNORED);
            return Uni.createFrom().item(WebhookAnswer.ignored(ignored.reason()));
        }
        if (event instanceof EvolutionEvent.LineStatus line) {
            return line(line, clinic);
        }
        InboundMessage message = ((EvolutionEvent.Message) event).message();
        if (clinic == null) {
            return keep(request, QuarantineStore.UNKNOWN_INSTANCE, message.instanceName(), message.event(),
                    message.whatsappId())
                    .map(ignored -> WebhookAnswer.quarantined(QuarantineStore.UNKNOWN_INSTANCE));
        }
        return path.take(clinic, message)
                .onFailure().transform(this::unavailable)
                .chain(outcome -> !outcome.spooled() && outcome.stored().isRejected()
                        ? rejected(request, message, outcome)
                        : Uni.createFrom().item(answer(message, outcome)));
    }

    /**
     * A line's status, for an instance in the directory (others' are nothing to us: ignored). Late
     * deliveries of older events change nothing; the answer is the same.
     */
    private Uni<WebhookAnswer> line(EvolutionEvent.LineStatus line, Clinic clinic) {
        if (clinic == null) {
            metrics.count(Outcome.IGNORED);
            return Uni.createFrom().item(WebhookAnswer.ignored("unknown-instance"));
        }
        return lines.record(line.instance(), line.state(), line.reason(), line.at())
                .ifNoItem().after(path.storeTimeout()).fail()
                .onFailure().transform(this::unavailable)
                .map(applied -> {
                    Log.debugf("line of instance %s: %s%s", LogText.of(line.instance()), line.state(),
                            applied ? "" : " (older than the state held: not applied)");
                    metrics.count(Outcome.RECORDED);
                    return WebhookAnswer.recorded(line.state());
                });
    }

    /**
     * PostgreSQL refused the message's data (a timestamp out of its range, say): a retry cannot fix
     * that, and a 4xx would make Evolution drop it, so the event is quarantined and answered 202.
     */
    private Uni<WebhookAnswer> rejected(WebhookRequest request, InboundMessage message,
            MessagePath.Outcome outcome) {
        Log.warnf("PostgreSQL refused message %s from instance %s (sqlstate %s): quarantined",
                LogText.of(message.whatsappId()), LogText.of(message.instanceName()), outcome.stored().sqlState());
        return keep(request, "database-rejected:" + outcome.stored().sqlState(), message.instanceName(), message.event(),
                message.whatsappId())
                .map(ignored -> WebhookAnswer.quarantined("database-rejected"));
    }

    private Uni<Clinic> resolve(String instance) {
        return tracing.span("clinic.resolve", () -> directory.resolve(instance))
                .onFailure().transform(this::unavailable);
    }

    private WebhookAnswer answer(InboundMessage message, MessagePath.Outcome outcome) {
        if (outcome.spooled()) {
            Log.debugf("spooled message %s from instance %s", LogText.of(message.whatsappId()),
                    LogText.of(message.instanceName()));
            metrics.count(Outcome.SPOOLED);
            return WebhookAnswer.spooled();
        }
        if (outcome.stored().isDuplicate()) {
            Log.debugf("duplicate message %s from instance %s", LogText.of(message.whatsappId()),
                    LogText.of(message.instanceName()));
            metrics.count(Outcome.DUPLICATE);
            return WebhookAnswer.duplicate();
        }
        Log.debugf("stored %s message %s from instance %s", message.direction(), LogText.of(message.whatsappId()),
                LogText.of(message.instanceName()));
        metrics.count(Outcome.ACCEPTED);
        MemoryLookup memory = outcome.memory();
        return WebhookAnswer.accepted(outcome.stored().messageId(), outcome.stored().sessionId(),
                memory == null ? null : memory.state());
    }

    private Uni<Void> keep(WebhookRequest request, String reason, String instance, String event, String whatsappId) {
        Intake intake = request.intake();
        Sender sender = request.sender();
        return quarantine.keep(new QuarantineStore.Entry(reason, instance, event, whatsappId, request.contentType(),
                intake.kept(), intake.length(), intake.sha256(), sender.kind().label, sender.instance()))
                .ifNoItem().after(path.storeTimeout()).fail()
                .onFailure().transform(this::unavailable)
                .invoke(() -> metrics.count(Outcome.QUARANTINED));
    }

    private boolean apikeyValid(EvolutionEvent event, Clinic clinic) {
        return credentials.apikeyEnabled()
                && clinic != null
                && credentials.apikeyMatches(event.apikey(), clinic.apiKeySha256());
    }

    private Throwable unavailable(Throwable failure) {
        if (failure instanceof WebhookRejection rejection) {
            return rejection;
        }
        if (failure instanceof StoreOverloaded) {
            // Counted, not logged: under overload one line per refusal would add to it.
            metrics.count(Outcome.OVERLOADED);
            return WebhookRejection.overloaded(config.retryAfter());
        }
        if (failure instanceof MessagePath.SpoolFull) {
            Log.warnf("PostgreSQL unavailable and the spool full, answering 503");
        } else {
            Log.warnf("PostgreSQL unavailable, answering 503: %s", Failures.describe(failure));
        }
        metrics.count(Outcome.UNAVAILABLE);
        return WebhookRejection.unavailable(config.retryAfter(), failure);
    }

    private Uni<WebhookAnswer> reject(Outcome outcome, WebhookRejection rejection) {
        metrics.count(outcome);
        return Uni.createFrom().failure(rejection);
    }
}
