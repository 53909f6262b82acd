package clinic.ingress.memory;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.cache.CacheConfig;
import clinic.ingress.cache.CacheKeys;

/**
 * A patient's pseudonym, HMAC-SHA256({@code ingress.cache.key-secret}, organization + ":" + patient),
 * and the Redis keys built from it. The pseudonym is all that leaves the process for a patient:
 * mem0's user id, memory keys in Redis, the turn's partition choice.
 */
@ApplicationScoped
public class PatientKeys {

    private final SecretKeySpec secret;
    private final CacheKeys keys;
    /** A Mac per thread: Mac.getInstance is a provider lookup, and every message needs a few HMACs. */
    private final ThreadLocal<Mac> mac;

    public PatientKeys(CacheConfig config, CacheKeys keys) {
        this.keys = keys;
        this.secret = new SecretKeySpec(CacheKeys.secret(config), "HmacSHA256");
        this.mac = ThreadLocal.withInitial(this::newMac);
    }

    /** The pseudonym of a patient within an organization (hex, 64 characters). */
    public String pseudonym(UUID organizationId, String patientKey) {
        // doFinal resets the Mac, so the per-thread instance is ready for the next call.
        return HexFormat.of()
                .formatHex(mac.get().doFinal((organizationId + ":" + patientKey).getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code [namespace:]mem0:v1:{organization_id}:{pseudonym}}: a patient's cached memories. */
    public String memory(UUID organizationId, String patientKey) {
        return memoryOf(organizationId, pseudonym(organizationId, patientKey));
    }

    /** Short-lived lease so that one replica at a time fetches a patient's memories. */
    public String memoryLease(UUID organizationId, String patientKey) {
        return memoryLeaseOf(organizationId, pseudonym(organizationId, patientKey));
    }

    /** {@link #memory}, from the pseudonym (hex, without {@code p_}). */
    String memoryOf(UUID organizationId, String pseudonym) {
        return keys.memoryPrefix() + "v1:" + organizationId + ":" + pseudonym;
    }

    /** {@link #memoryLease}, from the pseudonym (hex, without {@code p_}). */
    String memoryLeaseOf(UUID organizationId, String pseudonym) {
        return keys.memoryPrefix() + "lease:" + organizationId + ":" + pseudonym;
    }

    private Mac newMac() {
        try {
            Mac instance = Mac.getInstance("HmacSHA256");
            instance.init(secret);
            return instance;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }
}
