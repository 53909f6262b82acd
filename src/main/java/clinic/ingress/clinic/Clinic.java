package clinic.ingress.clinic;

import java.util.UUID;

/**
 * A clinic's WhatsApp line as the directory knows it.
 *
 * @param instanceName Evolution instance name
 * @param clinicId {@code healthcare.clinics.id}
 * @param organizationId {@code core.organizations.id}
 * @param name clinic name
 * @param whatsappNumber the clinic's own number (not a patient's)
 * @param apiKeySha256 SHA-256 (hex) of the instance's Evolution token, or null
 */
public record Clinic(
        String instanceName,
        UUID clinicId,
        UUID organizationId,
        String name,
        String whatsappNumber,
        String apiKeySha256) {
}
