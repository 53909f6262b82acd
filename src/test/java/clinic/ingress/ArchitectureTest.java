package clinic.ingress;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

/**
 * The layering docs/architecture.md draws, checked on the compiled classes (ArchUnit): no cycle
 * between packages, and each package depends only on the packages the doc's table lists for it (read
 * from the doc, so the table and the code cannot drift), so nothing below imports anything above.
 * A fast test: no server.
 */
@Tag("fast")
class ArchitectureTest {

    private static final String ROOT = "clinic.ingress";
    /** Package -> the packages it may depend on: docs/architecture.md's "Code layout" table, read as it is. */
    private static final Map<String, Set<String>> ALLOWED = allowed(Path.of("docs", "architecture.md"));

    /** Values that differ per process: built into the native image, they would be the build's. */
    private static final Set<String> RUN_TIME_VALUES = Set.of("java.util.UUID.randomUUID", "java.lang.System.nanoTime",
            "java.lang.System.currentTimeMillis", "java.time.Instant.now", "java.security.SecureRandom.<init>",
            "io.netty.buffer.PooledByteBufAllocator.DEFAULT", "io.netty.buffer.ByteBufAllocator.DEFAULT");

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    @Test
    void theTableNamesEveryPackageAndOnlyThose() {
        Set<String> packages = CLASSES.stream()
                .map(JavaClass::getPackageName)
                .filter(name -> name.startsWith(ROOT + "."))
                .map(name -> name.substring(ROOT.length() + 1).split("\\.")[0])
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(new TreeSet<>(ALLOWED.keySet())).as("docs/architecture.md's packages").isEqualTo(packages);
        ALLOWED.forEach((layer, below) -> assertThat(ALLOWED.keySet()).as(layer + "'s dependencies").containsAll(below));
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void eachPackageDependsOnlyOnThoseBelowIt() {
        for (Map.Entry<String, Set<String>> layer : ALLOWED.entrySet()) {
            List<String> forbidden = new ArrayList<>();
            for (String other : ALLOWED.keySet()) {
                if (!other.equals(layer.getKey()) && !layer.getValue().contains(other)) {
                    forbidden.add(ROOT + "." + other + "..");
                }
            }
            noClasses().that().resideInAPackage(ROOT + "." + layer.getKey() + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(String[]::new))
                    .because("docs/architecture.md: " + layer.getKey() + " depends on " + layer.getValue() + " only")
                    .check(CLASSES);
        }
    }

    /**
     * Application classes are initialized while the native image is built: a static field set from
     * a random id, a clock or Netty's allocator holds the build's value in every replica (two such
     * fields made every replica ignore the others' invalidations, natively only). Such values are
     * instance fields of beans, which are created at run time.
     */
    @Test
    void staticInitializersDrawNothingAtRunTime() {
        ArchCondition<JavaClass> drawNothing = new ArchCondition<>(
                "draw no random id, clock or pooled allocator in a static initializer") {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                type.getStaticInitializer().ifPresent(initializer -> {
                    initializer.getMethodCallsFromSelf().stream()
                            .filter(call -> RUN_TIME_VALUES.contains(call.getTargetOwner().getName() + "." + call.getName()))
                            .forEach(call -> events.add(SimpleConditionEvent.violated(type, call.getDescription())));
                    initializer.getFieldAccesses().stream()
                            .filter(access -> RUN_TIME_VALUES
                                    .contains(access.getTargetOwner().getName() + "." + access.getName()))
                            .forEach(access -> events.add(SimpleConditionEvent.violated(type, access.getDescription())));
                });
            }
        };
        classes().that().resideInAPackage(ROOT + "..").should(drawNothing).check(CLASSES);
    }

    /**
     * The table's rows, {@code | `package` | what it holds | a, b, c |} ("nothing" for none): the
     * first column's package, the last column's list.
     */
    static Map<String, Set<String>> allowed(Path doc) {
        try {
            String text = Files.readString(doc);
            String section = text.substring(text.indexOf("## Code layout"));
            section = section.substring(0, section.indexOf("\n## ", 3));
            Map<String, Set<String>> allowed = new TreeMap<>();
            Matcher row = Pattern.compile("(?m)^\\| `(\\w+)` \\|.*\\| ([^|]+) \\|$").matcher(section);
            while (row.find()) {
                String list = row.group(2).trim();
                Set<String> below = "nothing".equals(list) ? Set.of()
                        : Arrays.stream(list.split(",")).map(String::trim).collect(Collectors.toSet());
                allowed.put(row.group(1), below);
            }
            assertThat(allowed).as("rows of docs/architecture.md's Code layout table").isNotEmpty();
            return allowed;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theTableIsReadAsWritten() {
        // A row the parser missed would silently allow everything to its package.
        assertThat(ALLOWED).containsEntry("fairness", Set.of()).containsKey("webhook");
        assertThat(ALLOWED.get("credentials")).containsExactlyInAnyOrder("clinic", "background");
    }

    @Test
    void noFeaturePackageDependsOnTheApplicationRoot() {
        // The root package (StartupGuard, IngressConfig) looks at the features' settings; never the reverse.
        noClasses().that().resideInAPackage(ROOT + ".*..")
                .should().dependOnClassesThat().resideInAPackage(ROOT)
                .check(CLASSES);
    }
}
