package clinic.ingress.memory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.background.Background;
import clinic.ingress.background.Failures;
import clinic.ingress.cache.InvalidationBus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

/**
 * The patients being erased right now, as every replica knows them: what the parts that hold a
 * patient's data ask before they add to it. While a patient is here, a new message of theirs waits
 * in the spool, their memories are neither fetched nor added nor cached, and their turns are not
 * published; once the erasure is done, all that resumes for what arrived after it.
 *
 * <p>
 * Known by {@linkplain #subject(String) subject}, SHA-256 of the pseudonym, as {@code core.patient_erasures}
 * keeps it. Read from PostgreSQL every {@code ingress.erasure.poll-interval} and at once when an
 * erasure is announced on the invalidation channel (topic {@value #TOPIC}); the check costs nothing
 * while no one is being erased, the common case.
 */
// Created at start: a replica knows who is being erased before it takes its first message.
@Startup
@ApplicationScoped
public class ErasingPatients implements InvalidationBus.Listener {

    /** The invalidation channel's topic announcing that an erasure began or ended (the message: its id). */
    static final String TOPIC = "erasure";
    private static final String LABEL = "clinic-ingress/erasure/v1\n";
    private static final String RUNNING = """
            SELECT unnest(coalesce(subjects, ARRAY[subject])) FROM core.patient_erasures WHERE completed_at IS NULL""";

    private final Pool pool;
    private final PatientKeys keys;
    private final InvalidationBus bus;
    private final ErasureConfig config;
    private volatile Set<String> subjects = Set.of();
    /** Subjects this replica began erasing, held before PostgreSQL is read again. */
    private final Set<String> begun = ConcurrentHashMap.newKeySet();
    private volatile boolean failing;

    public ErasingPatients(Pool pool, PatientKeys keys, InvalidationBus bus, ErasureConfig config, Background background,
            MeterRegistry registry) {
        this.pool = pool;
        this.keys = keys;
        this.bus = bus;
        this.config = config;
        Gauge.builder("ingress.erasure.running", this, patients -> patients.subjects.size())
                .description("Patients being erased (their new messages wait in the spool)")
                .register(registry);
        bus.subscribe(TOPIC, this);
        background.every(config.pollInterval(), () -> refresh().subscribe().with(ignored -> {
        }, ignored -> {
        }));
    }

    /** The erasure settings, for the parts that guard against an erasure's stragglers. */
    public ErasureConfig settings() {
        return config;
    }

    /**
     * The subject of a pseudonym ({@code p_<hex>}): hex SHA-256 of {@code "clinic-ingress/erasure/v1\n"}
     * and the pseudonym. What an erasure's receipt and its {@code erase} event name the patient by;
     * the assistant computes it from a turn's {@code patient} (docs/consumer-contract.md#erase-events).
     */
    public static String subject(String pseudonym) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((LABEL + pseudonym).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    /** Whether this patient is being erased. */
    public boolean erasing(MemorySubject patient) {
        return !subjects.isEmpty() && erasing("p_" + keys.pseudonym(patient.organizationId(), patient.patientKey()));
    }

    /** Whether the patient of this pseudonym ({@code p_<hex>}) is being erased. */
    public boolean erasing(String pseudonym) {
        return !subjects.isEmpty() && subjects.contains(subject(pseudonym));
    }

    /** Holds these subjects here at once (this replica begins erasing them), and tells the others. */
    public Uni<Void> begin(UUID erasure, Set<String> patients) {
        begun.addAll(patients);
        Set<String> now = new HashSet<>(subjects);
        now.addAll(patients);
        subjects = Set.copyOf(now);
        return bus.publish(TOPIC, erasure.toString());
    }

    /** An erasure of these subjects is done: read again here, and tell the others. */
    public Uni<Void> end(UUID erasure, Set<String> patients) {
        begun.removeAll(patients);
        return refresh()
                .onFailure().recoverWithNull()
                .chain(() -> bus.publish(TOPIC, erasure.toString()));
    }

    /** Reads the running erasures from PostgreSQL; a failure keeps the last reading (and what began here). */
    public Uni<Void> refresh() {
        return pool.query(RUNNING)
                .execute()
                .invoke(rows -> {
                    Set<String> running = new HashSet<>(begun);
                    for (Row row : rows) {
                        running.add(row.getString(0));
                    }
                    subjects = Set.copyOf(running);
                    if (failing) {
                        failing = false;
                        Log.info("running erasures read again");
                    }
                })
                .onFailure().invoke(failure -> {
                    if (!failing) {
                        failing = true;
                        Log.warnf("cannot read the running erasures (%s): the last reading stands", Failures.describe(failure));
                    }
                })
                .replaceWithVoid();
    }

    @Override
    public void invalidated(String erasure) {
        refresh().subscribe().with(ignored -> {
        }, ignored -> {
        });
    }

    @Override
    public void mayHaveMissed() {
        invalidated(null);
    }
}
