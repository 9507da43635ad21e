package dev.smolvm;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/** One core, thin doors: the core never reaches into a door, and doors do not reach into each other. */
@AnalyzeClasses(packages = "dev.smolvm", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule coreDoesNotKnowTheDoors = noClasses()
            .that().resideOutsideOfPackages("dev.smolvm.cli..", "dev.smolvm.server..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.smolvm.cli..", "dev.smolvm.server..");

    /** The doors stay apart; the one exception is 'smolvm server start', the CLI launching the HTTP door. */
    @ArchTest
    static final ArchRule cliUsesTheServerOnlyToStartIt = noClasses()
            .that().resideInAPackage("dev.smolvm.cli..")
            .and().haveNameNotMatching("dev\\.smolvm\\.cli\\.ServerCommand.*")
            .should().dependOnClassesThat().resideInAPackage("dev.smolvm.server..");

    @ArchTest
    static final ArchRule serverDoesNotUseTheCli = noClasses()
            .that().resideInAPackage("dev.smolvm.server..")
            .should().dependOnClassesThat().resideInAPackage("dev.smolvm.cli..");

    /** The doors may name the plumbing's wire-named values (a backend, an egress mode), never call the plumbing. */
    @ArchTest
    static final ArchRule doorsDoNotTouchHostPlumbing = noClasses()
            .that().resideInAnyPackage("dev.smolvm.cli..", "dev.smolvm.server..")
            .should().dependOnClassesThat(resideInAnyPackage("dev.smolvm.store..", "dev.smolvm.runtime..",
                    "dev.smolvm.network..").and(not(assignableTo(WireName.class))));

    @ArchTest
    static final ArchRule hostPlumbingDoesNotKnowSandboxes = noClasses()
            .that().resideInAnyPackage("dev.smolvm.store..", "dev.smolvm.runtime..", "dev.smolvm.network..",
                    "dev.smolvm.guest..", "dev.smolvm.image..", "dev.smolvm.host..", "dev.smolvm.doctor..")
            .should().dependOnClassesThat().resideInAPackage("dev.smolvm.sandbox..");

    /** The core talks to backends through runtime.Backend only; QEMU is one adapter among several. */
    @ArchTest
    static final ArchRule coreDoesNotKnowQemu = noClasses()
            .that().resideInAPackage("dev.smolvm.sandbox..")
            .should().dependOnClassesThat().resideInAPackage("dev.smolvm.runtime.qemu..");

    @ArchTest
    /** Between features; a feature's sub-packages (image.oci, guest.agent, runtime.qemu) are part of it. */
    static final ArchRule noPackageCycles = slices().matching("dev.smolvm.(*)..").should().beFreeOfCycles();
}
