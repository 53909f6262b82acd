package clinic.ingress.cache;

import java.nio.charset.StandardCharsets;

/**
 * Redis key prefixes this service owns, and the secret that keeps patients out of key names: a
 * patient appears in a key only as a pseudonym ({@code memory.PatientKeys}, an HMAC under this
 * secret), which cannot be reversed by enumerating phone numbers without it.
 */
public final class CacheKeys {

    /** Every key this service writes starts with one of these (admin pattern deletes are limited to them). */
    public static final String INSTANCE_PREFIX = "whatsapp:instance:";
    public static final String MEMORY_PREFIX = "mem0:";

    private CacheKeys() {
    }

    /**
     * {@code ingress.cache.key-secret}, or a fixed development secret (dev/test only: prod refuses to
     * start without one), so no code path ever puts a phone number in a key.
     */
    public static byte[] secret(CacheConfig config) {
        return config.keySecret().orElse("clinic-ingress-development-key-secret").getBytes(StandardCharsets.UTF_8);
    }

    /** {@code whatsapp:instance:{name}}: an instance's directory entry (instance names are not patient data). */
    public static String instance(String instanceName) {
        return INSTANCE_PREFIX + instanceName;
    }
}
