package clinic.ingress.cache;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Redis key prefixes this service owns, and the secret that keeps patients out of key names: a
 * patient appears in a key only as a pseudonym ({@code memory.PatientKeys}, an HMAC under this
 * secret), which cannot be reversed by enumerating phone numbers without it.
 *
 * <p>
 * The prefixes are the Python backend's ({@code whatsapp:instance:}, {@code mem0:}) unless
 * {@code ingress.cache.key-namespace} puts every key under a namespace of its own, so that both can
 * share one Redis during the cut-over without reading each other's values (theirs may be pickled;
 * ours are sealed envelopes).
 */
@ApplicationScoped
public class CacheKeys {

    private static final String INSTANCE = "whatsapp:instance:";
    private static final String MEMORY = "mem0:";
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    private final String instancePrefix;
    private final String memoryPrefix;

    @Inject
    public CacheKeys(CacheConfig config) {
        this(config.keyNamespace().orElse(""));
    }

    /** Keys under {@code namespace} (empty: the Python backend's names). */
    public CacheKeys(String namespace) {
        if (!namespace.isEmpty() && !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalStateException("ingress.cache.key-namespace must be lowercase letters, digits and dashes (at "
                    + "most 32), not '" + namespace + "'");
        }
        String prefix = namespace.isEmpty() ? "" : namespace + ":";
        this.instancePrefix = prefix + INSTANCE;
        this.memoryPrefix = prefix + MEMORY;
    }

    /**
     * {@code ingress.cache.key-secret}, or a fixed development secret (dev/test only: prod refuses to
     * start without one), so no code path ever puts a phone number in a key.
     */
    public static byte[] secret(CacheConfig config) {
        return config.keySecret().orElse("clinic-ingress-development-key-secret").getBytes(StandardCharsets.UTF_8);
    }

    /** {@code [namespace:]whatsapp:instance:{name}}: an instance's directory entry (instance names are not patient data). */
    public String instance(String instanceName) {
        return instancePrefix + instanceName;
    }

    /** {@code [namespace:]mem0:}: patients' memories and their fetch leases start with it. */
    public String memoryPrefix() {
        return memoryPrefix;
    }

    /** Every prefix this service writes under: pattern deletes are limited to them. */
    public List<String> own() {
        return List.of(instancePrefix, memoryPrefix);
    }
}
