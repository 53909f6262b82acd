package clinic.ingress.platform;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * between packages, and each package depends only on the packages the table lists for it, so
 * nothing below imports anything above; {@code evolution} and {@code cache} know no feature.
 */
class ArchitectureTest {

    private static final String ROOT = "clinic.ingress";
    /** Package -> the packages it may depend on (docs/architecture.md, "Code layout"). */
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("webhook",
                    Set.of("evolution", "clinic", "conversation", "memory", "dispatch", "spool", "line", "cache",
                            "postgres", "platform")),
            Map.entry("line", Set.of("platform")),
            Map.entry("spool", Set.of("evolution", "clinic", "conversation", "dispatch", "cache", "platform")),
            Map.entry("admin", Set.of("webhook", "line", "erasure", "clinic", "memory", "cache", "warmup", "platform")),
            Map.entry("erasure", Set.of("memory", "dispatch", "spool", "postgres", "platform")),
            Map.entry("conversation", Set.of("evolution", "clinic", "dispatch", "memory", "platform")),
            Map.entry("dispatch", Set.of("memory", "postgres", "platform")),
            Map.entry("memory", Set.of("cache", "postgres", "platform")),
            Map.entry("clinic", Set.of("cache", "postgres", "platform")),
            Map.entry("warmup", Set.of("clinic", "memory", "platform")),
            Map.entry("evolution", Set.of("platform")),
            Map.entry("cache", Set.of("platform")),
            Map.entry("postgres", Set.of("platform")),
            Map.entry("platform", Set.of()));

    /** Values that differ per process: built into the native image, they would be the build's. */
    private static final Set<String> RUN_TIME_VALUES = Set.of("java.util.UUID.randomUUID", "java.lang.System.nanoTime",
            "java.lang.System.currentTimeMillis", "java.time.Instant.now", "java.security.SecureRandom.<init>",
            "io.netty.buffer.PooledByteBufAllocator.DEFAULT", "io.netty.buffer.ByteBufAllocator.DEFAULT");

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

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

    @Test
    void noFeaturePackageDependsOnTheApplicationRoot() {
        // The root package (StartupGuard, IngressConfig) looks at the features' settings; never the reverse.
        noClasses().that().resideInAPackage(ROOT + ".*..")
                .should().dependOnClassesThat().resideInAPackage(ROOT)
                .check(CLASSES);
    }
}
