package clinic.ingress.support;

import java.util.LinkedHashMap;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * A test profile that only overrides configuration: {@code super("key", "value", ...)} in a
 * subclass's no-argument constructor, which {@code @TestProfile} needs.
 */
public abstract class Overrides implements QuarkusTestProfile {

    private final Map<String, String> overrides;

    protected Overrides(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values come in pairs");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        this.overrides = Map.copyOf(map);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return overrides;
    }
}
