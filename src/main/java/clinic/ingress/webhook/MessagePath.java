package clinic.ingress.webhook;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.clinic.Clinic;
import clinic.ingress.conversation.MessageStore;
import clinic.ingress.conversation.StoredMessage;
import clinic.ingress.dispatch.PendingTurn;
import clinic.ingress.dispatch.TurnPublisher;
import clinic.ingress.evolution.InboundMessage;
import clinic.ingress.memory.MemoryLookup;
import clinic.ingress.memory.MemorySubject;
import clinic.ingress.memory.MemoryWriter;
import clinic.ingress.memory.PatientMemory;
import io.opentelemetry.api.trace.Span;
import io.smallrye.mutiny.Uni;

/**
 * The path every message takes once its clinic is known, whether a live webhook or a quarantine
 * replay brought it: stored exactly once (group commit), then, durable first, the patient's
 * memories within the lookup budget, the message queued for mem0, and the turn published in the
 * background (the outbox keeps it until Redis has it).
 */
@ApplicationScoped
class MessagePath {

    /**
     * What became of a message.
     *
     * @param stored stored, duplicate, or rejected by PostgreSQL
     * @param memory the memory lookup that went with its turn; null without a turn (duplicate, fromMe)
     */
    record Outcome(StoredMessage stored, MemoryLookup memory) {
    }

    private final MessageStore messages;
    private final PatientMemory memory;
    private final MemoryWriter memoryWriter;
    private final TurnPublisher turns;
    private final InstanceActivity activity;
    private final Tracing tracing;
    private final WebhookConfig config;

    MessagePath(MessageStore messages, PatientMemory memory, MemoryWriter memoryWriter, TurnPublisher turns,
            InstanceActivity activity, Tracing tracing, WebhookConfig config) {
        this.messages = messages;
        this.memory = memory;
        this.memoryWriter = memoryWriter;
        this.turns = turns;
        this.activity = activity;
        this.tracing = tracing;
        this.config = config;
    }

    /** Fails when the message could not be made durable within {@code ingress.webhook.store-timeout}. */
    Uni<Outcome> take(Clinic clinic, InboundMessage message) {
        activity.seen(clinic.instanceName());
        // Inside the span: the current span is message.store, whose context a relayed turn carries.
        return tracing.span("message.store", () -> messages.store(clinic, message, Tracing.traceparent(Span.current())))
                .ifNoItem().after(config.storeTimeout()).fail()
                .chain(stored -> stored.isRejected()
                        ? Uni.createFrom().item(new Outcome(stored, null))
                        : remember(message, stored).map(lookup -> new Outcome(stored, lookup)));
    }

    /**
     * Durable first, then memory: the lookup never exceeds ingress.memory.lookup-budget, the message
     * is queued for mem0 off the webhook path, and the turn goes to the stream in the background.
     * Null for messages without a turn (duplicates, fromMe).
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
}
