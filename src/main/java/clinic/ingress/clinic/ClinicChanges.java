package clinic.ingress.clinic;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import clinic.ingress.cache.InvalidationBus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Keeps every replica's directory coherent without restarts: applies the changes
 * {@link DirectoryListener} hears and the other replicas' invalidations.
 *
 * <ul>
 * <li>Triggers on {@code healthcare.clinics} and {@code core.whatsapp_instances} (V4) NOTIFY
 * {@code instance:<name>} or {@code clinic:<id>}. Each replica LISTENs on its own connection,
 * re-reads the instance into Redis, evicts its local tier, and publishes the instance name on the
 * {@link InvalidationBus}.</li>
 * <li>Replicas hearing it on the bus evict their local tier (covers replicas whose LISTEN
 * connection is momentarily down, and admin invalidations).</li>
 * <li>Losing either connection flushes the local tier (changes may have been missed) and reconnects
 * with backoff; Redis still holds the shared tier, so the flush costs one Redis read per instance.</li>
 * </ul>
 */
@ApplicationScoped
public class ClinicChanges implements InvalidationBus.Listener {

    private final ClinicDirectory directory;
    private final ClinicRepository repository;
    private final InvalidationBus bus;
    private final Event<DirectoryChanged> changedEvents;
    private final Event<InstanceRefreshed> refreshedEvents;
    private final AtomicLong handled = new AtomicLong();

    public ClinicChanges(ClinicDirectory directory, ClinicRepository repository, InvalidationBus bus,
            MeterRegistry registry, Event<DirectoryChanged> changedEvents, Event<InstanceRefreshed> refreshedEvents) {
        this.refreshedEvents = refreshedEvents;
        this.directory = directory;
        this.repository = repository;
        this.bus = bus;
        this.changedEvents = changedEvents;
        FunctionCounter.builder("ingress.directory.changes", handled, AtomicLong::get)
                .description("Clinic directory change notifications applied")
                .register(registry);
    }

    /** Hears the other replicas' invalidations (called once the LISTEN side starts). */
    void subscribe() {
        bus.subscribe(this);
    }

    /** One more change notification applied (ingress.directory.changes). */
    void applied() {
        handled.incrementAndGet();
    }

    /** Handles a NOTIFY payload: {@code instance:<name>} or {@code clinic:<uuid>}. */
    Uni<Void> onDatabaseChange(String payload) {
        changedEvents.fire(new DirectoryChanged(payload));
        if (payload.startsWith("instance:")) {
            return changed(payload.substring("instance:".length()));
        }
        if (payload.startsWith("clinic:")) {
            UUID clinicId;
            try {
                clinicId = UUID.fromString(payload.substring("clinic:".length()));
            } catch (IllegalArgumentException e) {
                return Uni.createFrom().voidItem();
            }
            directory.localInstancesOf(clinicId).forEach(directory::evictLocal);
            return repository.findInstanceNamesOfClinic(clinicId)
                    .onItem().transformToMulti(names -> Multi.createFrom().iterable(names))
                    .onItem().transformToUniAndMerge(this::changed)
                    .collect().last()
                    .replaceWithVoid();
        }
        return Uni.createFrom().voidItem();
    }

    /** Change notifications applied so far (what ingress.directory.changes reports). */
    public long handled() {
        return handled.get();
    }

    /** Admin invalidation: re-read from PostgreSQL, evict locally and tell the other replicas. */
    public Uni<Void> invalidate(String instanceName) {
        return changed(instanceName);
    }

    @Override
    public void invalidated(String instanceName) {
        directory.evictLocal(instanceName);
    }

    @Override
    public void mayHaveMissed() {
        directory.flushLocal();
    }

    private Uni<Void> changed(String instanceName) {
        return directory.refresh(instanceName)
                .call(() -> bus.publish(instanceName))
                .invoke(() -> refreshedEvents.fire(new InstanceRefreshed(instanceName)))
                .onFailure().invoke(e -> Log.warnf("could not refresh instance %s after a change: %s",
                        instanceName, e.getClass().getSimpleName()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

}
