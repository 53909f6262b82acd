package clinic.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The fast tier's list (src/test/resources/fast-tier.txt, what {@code ./mvnw test -Pfast} hands
 * surefire) is exactly the test classes tagged {@code fast}: a class tagged and not listed would
 * never run in the fast tier, one listed and not tagged would be filtered out of it.
 */
@Tag("fast")
class FastTierTest {

    @Test
    void theListIsTheTaggedClasses() throws IOException {
        Set<String> tagged = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .importPackages("clinic.ingress")
                .stream()
                .filter(type -> !type.isNestedClass())
                .filter(type -> type.tryGetAnnotationOfType(Tag.class).map(tag -> "fast".equals(tag.value())).orElse(false))
                .map(type -> type.getName().replace('.', '/') + ".java")
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> listed = Files.readAllLines(Path.of("src/test/resources/fast-tier.txt")).stream()
                .map(String::trim)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .collect(Collectors.toCollection(TreeSet::new));

        assertThat(listed).isEqualTo(tagged);
    }
}
