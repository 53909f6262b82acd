package clinic.ingress.memory;

import java.util.UUID;

/**
 * Whose memory: a patient of an organization. Holds a patient identifier, so {@link #toString()}
 * redacts it: a subject that ends up in a log line leaks nothing.
 *
 * @param organizationId the clinic's organization (memories are shared across its clinics)
 * @param patientKey phone digits or {@code lid:<digits>}
 */
public record MemorySubject(UUID organizationId, String patientKey) {

    @Override
    public String toString() {
        return "MemorySubject[organization=" + organizationId + ", patient=<redacted>]";
    }
}
