package clinic.ingress.cache;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Redis key names that never contain a patient identifier: a patient appears only as
 * HMAC-SHA256(ingress.cache.key-secret, organization + ":" + patient), which cannot be reversed by
 * enumerating phone numbers without the secret.
 */
@ApplicationScoped
public class CacheKeys {

    /** Every key this service writes starts with one of these (admin pattern deletes are limited to them). */
    public static final String INSTANCE_PREFIX = "whatsapp:instance:";
    public static final String MEMORY_PREFIX = "mem0:";

    private final SecretKeySpec secret;
    /** A Mac per thread: Mac.getInstance is a provider lookup, and every message needs a few HMACs. */
    private final ThreadLocal<Mac> mac;

    public CacheKeys(CacheConfig config) {
        // Without a secret (dev/test only: prod refuses to start) keys are still hashed, with a fixed
        // development secret, so no code path ever puts a phone number in a key.
        this.secret = new SecretKeySpec(secret(config), "HmacSHA256");
        this.mac = ThreadLocal.withInitial(this::newMac);
    }

    /** {@code ingress.cache.key-secret}, or the development secret (prod refuses to start without one). */
    static byte[] secret(CacheConfig config) {
        return config.keySecret().orElse("clinic-ingress-development-key-secret").getBytes(StandardCharsets.UTF_8);
    }

    /** The pseudonym of a patient within an organization (hex, 64 characters). */
    public String pseudonym(UUID organizationId, String patientKey) {
        // doFinal resets the Mac, so the per-thread instance is ready for the next call.
        return HexFormat.of()
                .formatHex(mac.get().doFinal((organizationId + ":" + patientKey).getBytes(StandardCharsets.UTF_8)));
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

    /** {@code whatsapp:instance:{name}}: an instance's directory entry (instance names are not patient data). */
    public static String instance(String instanceName) {
        return INSTANCE_PREFIX + instanceName;
    }

    /** {@code mem0:v1:{organization_id}:{hmac(patient)}}: a patient's cached memories. */
    public String memory(UUID organizationId, String patientKey) {
        return MEMORY_PREFIX + "v1:" + organizationId + ":" + pseudonym(organizationId, patientKey);
    }

    /** Short-lived lease so that one replica at a time fetches a patient's memories. */
    public String memoryLease(UUID organizationId, String patientKey) {
        return MEMORY_PREFIX + "lease:" + organizationId + ":" + pseudonym(organizationId, patientKey);
    }
}
