package clinic.ingress.erasure;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.background.Background;
import clinic.ingress.background.Failures;
import clinic.ingress.memory.ErasingPatients;
import clinic.ingress.memory.ErasureConfig;
import clinic.ingress.memory.PatientKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;

/**
 * A patient's erasure (LGPD art. 18, GDPR art. 17): asked through one of the organization's instances
 * by phone, LID or pseudonym, it removes everything this service holds of the patient at that
 * organization ({@link ErasureSteps}) and keeps a receipt in {@code core.patient_erasures}: who
 * asked, when, the subjects (SHA-256 of each pseudonym) and what was removed, counted; no patient data.
 *
 * <p>
 * Durable and resumable like the outboxes: the erasure is a row with a lease, begun at once by the
 * replica that was asked; every replica looks every {@code poll-interval} for one whose lease ran out
 * (its replica died) and finishes it. Asking again while it runs answers the running erasure; asking
 * again once it is done runs a new one, which finds nothing left (unless the patient wrote since).
 */
// Created at start: every replica looks for abandoned erasures from the beginning.
@Startup
@ApplicationScoped
public class Erasures {

    /** What the operator named the patient by. */
    public record Asked(String phone, String lid, String pseudonym) {
        @Override
        public String toString() {
            return "Asked[<redacted>]";
        }
    }

    /** The request cannot be run: says why (unknown instance, a patient named badly). */
    public static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status, String why) {
            super(why, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final ErasureRows rows;
    private final ErasureSteps steps;
    private final PatientKeys keys;
    private final ErasureConfig config;
    private final Counter completed;
    private final Counter failed;

    @SuppressWarnings("java:S107") // constructor injection
    Erasures(ErasureRows rows, ErasureSteps steps, PatientKeys keys, ErasureConfig config, Background background,
            MeterRegistry registry) {
        this.rows = rows;
        this.steps = steps;
        this.keys = keys;
        this.config = config;
        this.completed = Counter.builder("ingress.erasure.runs").tag("outcome", "completed")
                .description("Erasure runs by outcome (failed: taken over again once its lease runs out)")
                .register(registry);
        this.failed = Counter.builder("ingress.erasure.runs").tag("outcome", "failed")
                .description("Erasure runs by outcome (failed: taken over again once its lease runs out)")
                .register(registry);
        background.every(config.pollInterval(), this::resumeAbandoned);
    }

    /** Begins erasing the patient, or answers the erasure already running for them. */
    public Uni<Erasure> request(String instance, Asked asked, String operator) {
        return rows.organization(instance)
                .onItem().ifNull().failWith(() -> new Refused(404, "the instance is not in the clinic directory"))
                .chain(organization -> patient(organization, asked)
                        .chain(patient -> begin(organization, instance, asked, patient, operator)));
    }

    public Uni<Erasure> find(UUID id) {
        return rows.find(id);
    }

    /** The keys and pseudonyms of the patient named, with their linked identities. */
    private Uni<Patient> patient(UUID organization, Asked asked) {
        Uni<Patient> named;
        if (asked.pseudonym() != null) {
            // The operator knows only the pseudonym (from a turn): whose it is, among the organization's conversations.
            named = rows.conversationKeys(organization)
                    .map(all -> new Patient(all.stream().filter(key -> asked.pseudonym().equals(pseudonym(organization, key)))
                            .toList(), List.of(asked.pseudonym())));
        } else {
            named = Uni.createFrom().item(new Patient(List.of(asked.phone() != null ? asked.phone() : "lid:" + asked.lid()),
                    List.of()));
        }
        return named
                .chain(patient -> patient.keys().isEmpty() ? Uni.createFrom().item(patient)
                        : rows.linked(organization, patient))
                .map(patient -> {
                    List<String> pseudonyms = new ArrayList<>(patient.pseudonyms());
                    patient.keys().forEach(key -> pseudonyms.add(pseudonym(organization, key)));
                    return new Patient(patient.keys(), pseudonyms);
                });
    }

    private Uni<Erasure> begin(UUID organization, String instance, Asked asked, Patient patient, String operator) {
        String named = asked.pseudonym() != null ? asked.pseudonym()
                : pseudonym(organization, asked.phone() != null ? asked.phone() : "lid:" + asked.lid());
        List<String> subjects = patient.pseudonyms().stream().map(ErasingPatients::subject).toList();
        UUID id = UUID.randomUUID();
        return rows.begin(id, organization, instance, ErasingPatients.subject(named), subjects, patient, operator,
                config.lease())
                .invoke(erasure -> {
                    if (erasure.id().equals(id)) {
                        run(erasure);
                    }
                });
    }

    private void resumeAbandoned() {
        rows.claimAbandoned(config.lease())
                .subscribe().with(erasure -> {
                    if (erasure != null) {
                        Log.infof("erasure %s taken over: its replica stopped before it was done", erasure.id());
                        run(erasure);
                    }
                }, failure -> Log.debugf("no look for abandoned erasures this round (%s)", Failures.describe(failure)));
    }

    /** Runs in the background; a failure leaves the lease to run out, and a replica to take it over. */
    private void run(Erasure erasure) {
        steps.run(erasure)
                .subscribe().with(receipt -> {
                    completed.increment();
                    Log.infof("erasure %s done: %s", erasure.id(), receipt);
                }, failure -> {
                    failed.increment();
                    Log.warnf("erasure %s stopped (%s): taken over again in %s", erasure.id(), Failures.describe(failure),
                            config.lease());
                });
    }

    private String pseudonym(UUID organization, String key) {
        return "p_" + keys.pseudonym(organization, key);
    }
}
