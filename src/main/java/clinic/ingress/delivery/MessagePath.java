package clinic.ingress.delivery;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.clinic.Clinic;
import clinic.ingress.conversation.MessageStore;
import clinic.ingress.conversation.StoreOverloaded;
import clinic.ingress.conversation.StoredMessage;
import clinic.ingress.dispatch.PendingTurn;
import clinic.ingress.dispatch.TurnPublisher;
import clinic.ingress.evolution.InboundMessage;
import clinic.ingress.memory.ErasingPatients;
import clinic.ingress.memory.MemoryLookup;
import clinic.ingress.memory.MemorySubject;
import clinic.ingress.memory.MemoryWriter;
import clinic.ingress.memory.PatientMemory;
import clinic.ingress.spool.Spool;
import clinic.ingress.spool.SpooledMessage;
import io.opentelemetry.api.trace.Span;
import io.smallrye.mutiny.Uni;

/**
 * The path every message takes once its clinic is known, whether a live webhook, a quarantine
 * replay or the spool's drain brought it: stored exactly once (group commit), then, durable first,
 * the patient's memories within the lookup budget, the message queued for mem0, and the turn
 * published in the background (the outbox keeps it until Redis has it).
 *
 * <p>
 * A live message the store cannot take (PostgreSQL refused, paused, failing over, a statement
 * timed out) goes to the {@link Spool} instead and is answered {@code spooled}: durable in Redis,
 * stored, remembered and turned when the drain brings it back through {@link #fromSpool}. While the
 * store looks stalled new messages go to the spool at once; while a chat has messages in the spool,
 * its new ones queue behind them, so each chat's messages are stored in the order they arrived.
 *
 * <p>
 * A message of a patient being erased is held in the spool too, and stored once the erasure is
 * done: whole, after it, instead of half-kept by it. Without a spool to hold it, it is stored, and
 * the erasure's next pass erases it with the rest.
 */
@ApplicationScoped
public class MessagePath {

    /**
     * What became of a message.
     *
     * @param stored stored, duplicate, or rejected by PostgreSQL; null when spooled
     * @param memory the memory lookup that went with its turn; null without a turn (duplicate, fromMe, spooled)
     */
    public record Outcome(StoredMessage stored, MemoryLookup memory) {

        static final Outcome SPOOLED = new Outcome(null, null);

        public boolean spooled() {
            return stored == null;
        }
    }

    private final MessageStore messages;
    private final Spool spool;
    private final PatientMemory memory;
    private final MemoryWriter memoryWriter;
    private final TurnPublisher turns;
    private final InstanceActivity activity;
    private final Tracing tracing;
    private final DeliveryConfig config;
    private final ErasingPatients erasing;

    @SuppressWarnings("java:S107") // constructor injection of the path's steps
    MessagePath(MessageStore messages, Spool spool, PatientMemory memory, MemoryWriter memoryWriter, TurnPublisher turns,
            InstanceActivity activity, Tracing tracing, DeliveryConfig config, ErasingPatients erasing) {
        this.erasing = erasing;
        this.messages = messages;
        this.spool = spool;
        this.memory = memory;
        this.memoryWriter = memoryWriter;
        this.turns = turns;
        this.activity = activity;
        this.tracing = tracing;
        this.config = config;
    }

    /** The most a webhook waits for PostgreSQL before answering 503 ({@code ingress.webhook.store-timeout}). */
    public Duration storeTimeout() {
        return config.storeTimeout();
    }

    /**
     * A live message: stored, or spooled when the store cannot take it. Fails when it can be made
     * durable neither way (the spool off, full or unreachable) within {@code ingress.webhook.store-timeout},
     * or with {@link StoreOverloaded} when the store's queue is full of this instance's messages.
     */
    public Uni<Outcome> take(Clinic clinic, InboundMessage message) {
        activity.seen(clinic.instanceName());
        if (!spool.enabled()) {
            return store(clinic, message, null, true);
        }
        if (erasing.erasing(new MemorySubject(clinic.organizationId(), message.patient().key()))) {
            return spool(clinic, message, true)
                    .onFailure().recoverWithUni(() -> store(clinic, message, null, true));
        }
        if (messages.stalled()) {
            // The store may be slow rather than gone: if the spool cannot take it, the store still may.
            return spool(clinic, message, false)
                    .onFailure().recoverWithUni(() -> store(clinic, message, null, true));
        }
        if (spool.holdsMessages()) {
            // Behind its chat's spooled messages, if there are any; other chats go to the store.
            return spool.holdsChat(SpooledMessage.Chat.of(message))
                    .onFailure().recoverWithItem(false)
                    .chain(behind -> behind
                            ? spool(clinic, message, false).onFailure().recoverWithUni(() -> storeOrSpool(clinic, message))
                            : storeOrSpool(clinic, message));
        }
        return storeOrSpool(clinic, message);
    }

    /** A replayed message (quarantine): stored, never spooled; fails when the store cannot take it. */
    Uni<Outcome> replay(Clinic clinic, InboundMessage message) {
        activity.seen(clinic.instanceName());
        return store(clinic, message, null, true);
    }

    /**
     * A message the drain took from the spool: stored (a copy the store already holds is a
     * duplicate), then its turn built from the memories the tiers hold, without waiting for mem0:
     * the drain is a backlog, and the memory relay adds the message to mem0 as for any other.
     */
    Uni<Outcome> fromSpool(SpooledMessage spooled) {
        return store(spooled.clinic(), spooled.message(), spooled.traceparent(), false);
    }

    private Uni<Outcome> storeOrSpool(Clinic clinic, InboundMessage message) {
        return store(clinic, message, null, true)
                .onFailure(failure -> !(failure instanceof StoreOverloaded))
                .recoverWithUni(() -> spool(clinic, message, false));
    }

    /**
     * Kept with the message.spool span's context: the turn, published after the drain, continues it.
     * {@code held}: for an erasure of its patient, not for want of PostgreSQL.
     */
    private Uni<Outcome> spool(Clinic clinic, InboundMessage message, boolean held) {
        return tracing.span("message.spool", () -> spool.append(
                new SpooledMessage(clinic, message, Tracing.traceparent(Span.current()), Instant.now(), held)))
                .chain(kept -> kept
                        ? Uni.createFrom().item(Outcome.SPOOLED)
                        : Uni.createFrom().failure(new SpoolFull()));
    }

    /** {@code traceparent}: the spooled webhook's, or null for the message.store span's own. */
    private Uni<Outcome> store(Clinic clinic, InboundMessage message, String traceparent, boolean waitForMem0) {
        // Inside the span: the current span is message.store, whose context a relayed turn carries.
        return tracing.span("message.store", () -> messages.store(clinic, message,
                traceparent != null ? traceparent : Tracing.traceparent(Span.current())))
                .ifNoItem().after(config.storeTimeout()).fail()
                .chain(stored -> stored.isRejected()
                        ? Uni.createFrom().item(new Outcome(stored, null))
                        : remember(message, stored, waitForMem0).map(lookup -> new Outcome(stored, lookup)));
    }

    /**
     * Durable first, then memory: the lookup never exceeds ingress.memory.lookup-budget (or only
     * reads the tiers), the message is queued for mem0 off the webhook path, and the turn goes to the
     * stream in the background. Null for messages without a turn (duplicates, fromMe).
     */
    private Uni<MemoryLookup> remember(InboundMessage message, StoredMessage stored, boolean waitForMem0) {
        PendingTurn turn = stored.turn();
        if (turn == null) {
            return Uni.createFrom().nullItem();
        }
        MemorySubject subject = turn.subject();
        memoryWriter.enqueue(subject, message.text(), turn.messageId());
        return tracing.span("memory.lookup", () -> waitForMem0 ? memory.lookup(subject) : memory.cached(subject))
                .onFailure().recoverWithItem(MemoryLookup.NONE)
                .invoke(lookup -> publish(turn, lookup));
    }

    /** The turn carries the traceparent of its publish span: the assistant continues this trace. */
    private void publish(PendingTurn turn, MemoryLookup lookup) {
        Span span = tracing.start("turn.publish");
        turns.publishAfterStore(turn, lookup, Tracing.traceparent(span), span::end);
    }

    /** The store could not take the message and the spool is full. */
    public static final class SpoolFull extends RuntimeException {
        SpoolFull() {
            super("the spool is full (ingress.store.spool-max-messages or spool-max-bytes)", null, false, false);
        }
    }
}
