package dev.smolvm.e2e;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every end-to-end class carries {@code @Tag("e2e")}, so {@code mvn test -DexcludedGroups=e2e}
 * really is the fast run (four classes once booted guests in it unnoticed).
 */
class E2eTagTest {
    @Test
    void everyE2eTestClassIsTagged() {
        var classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .importPackages("dev.smolvm");
        var untagged = classes.stream().filter(c -> c.getSimpleName().endsWith("E2ETest"))
                .filter(c -> !c.isAnnotatedWith(Tag.class) || !"e2e".equals(c.getAnnotationOfType(Tag.class).value()))
                .map(JavaClass::getSimpleName).toList();
        assertThat(classes.stream().filter(c -> c.getSimpleName().endsWith("E2ETest"))).hasSizeGreaterThan(10);
        assertThat(untagged).isEmpty();
    }
}
