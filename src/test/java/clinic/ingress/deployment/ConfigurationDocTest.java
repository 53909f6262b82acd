package clinic.ingress.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;

/**
 * docs/configuration.md against the code: every {@code ingress.*} default the table states is the
 * {@code @WithDefault} of that key, and every key with a default is in the table. The defaults live
 * in one place (the mappings); this keeps the document from drifting away from them.
 */
@Tag("fast")
class ConfigurationDocTest {

    private static final Pattern KEY = Pattern.compile("`([a-z0-9.\\-]+)`");

    @Test
    void theTableStatesTheDefaultsTheCodeHas() throws Exception {
        Map<String, String> code = defaults();
        Map<String, String> documented = documented();
        List<String> wrong = new ArrayList<>();
        documented.forEach((key, value) -> {
            if (value != null && code.containsKey(key) && !code.get(key).equals(value)) {
                wrong.add(key + ": documented " + value + ", default " + code.get(key));
            }
        });
        assertThat(wrong).as("defaults in docs/configuration.md that are not the code's").isEmpty();
        assertThat(code.keySet()).as("keys with a default missing from docs/configuration.md")
                .allMatch(documented::containsKey);
    }

    /** key -> default, from every {@code @ConfigMapping} interface of the service. */
    private static Map<String, String> defaults() throws Exception {
        Map<String, String> defaults = new HashMap<>();
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                String name = Path.of("src/main/java").relativize(source).toString().replace('/', '.').replace(".java", "");
                Class<?> type = Class.forName(name, false, ConfigurationDocTest.class.getClassLoader());
                ConfigMapping mapping = type.getAnnotation(ConfigMapping.class);
                if (mapping == null) {
                    continue;
                }
                collect(type, mapping.prefix(), defaults);
            }
        }
        return defaults;
    }

    /** The defaults of a mapping or group, and of its nested groups (under their name, or its own with @WithParentName). */
    private static void collect(Class<?> type, String prefix, Map<String, String> defaults) {
        for (Method method : type.getDeclaredMethods()) {
            WithDefault value = method.getAnnotation(WithDefault.class);
            if (value != null) {
                defaults.put(prefix + "." + kebab(method.getName()), value.value());
            } else if (method.getReturnType().isInterface() && method.getReturnType().getName().startsWith("clinic.ingress.")) {
                collect(method.getReturnType(),
                        method.isAnnotationPresent(WithParentName.class) ? prefix : prefix + "." + kebab(method.getName()),
                        defaults);
            }
        }
    }

    /**
     * key -> default, from the table's rows: {@code | `ingress.a.b`, `c`, `d` | 1s, 2, 3 | ...} (later
     * keys share the first key's prefix; "," or "/" separate keys and defaults alike).
     */
    private static Map<String, String> documented() throws IOException {
        Map<String, String> documented = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("docs/configuration.md"))) {
            String[] cells = line.split("\\|");
            if (cells.length < 4 || !cells[1].trim().startsWith("`ingress.")) {
                continue;
            }
            List<String> keys = new ArrayList<>();
            Matcher matcher = KEY.matcher(cells[1].replaceAll("\\(.*?\\)", ""));
            while (matcher.find()) {
                keys.add(matcher.group(1));
            }
            String prefix = keys.get(0).substring(0, keys.get(0).lastIndexOf('.') + 1);
            String[] values = cells[2].trim().split("\\s*(,|/)\\s*");
            for (int i = 0; i < keys.size(); i++) {
                String key = i == 0 ? keys.get(0) : prefix + keys.get(i);
                // A prose default ("none (prod: required)") is documented but not compared.
                documented.put(key, values.length == keys.size() ? values[i].replace("`", "").split(" ")[0] : null);
            }
        }
        return documented;
    }

    private static String kebab(String name) {
        return name.replaceAll("([A-Z])", "-$1").toLowerCase();
    }
}
