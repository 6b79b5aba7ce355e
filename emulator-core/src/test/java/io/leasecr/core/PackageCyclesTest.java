package io.leasecr.core;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.leasecr.core.locks.LeaseTable;
import java.net.URISyntaxException;
import java.nio.file.Path;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/**
 * No package cycles in emulator-core (issue 13 item 6): each package of io.leasecr.core.* and what it
 * depends on form a DAG, the order docs/architecture.md draws (input, time, trace, locks at the bottom; process;
 * checkpoint, restore; kernel; wire; scenario on top). A new import that closes a cycle fails here with the
 * classes on it.
 */
class PackageCyclesTest {

  /** The module's main classes, read from where they were compiled (no scan of the class path's jars). */
  private static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPath(classesOf(LeaseTable.class));

  static Path classesOf(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void mainCodeHasNoPackageCycle() {
    assertThat(MAIN.size()).as("classes of io.leasecr.core found on the class path").isGreaterThan(50);
    slices().matching("io.leasecr.core.(*)..").should().beFreeOfCycles().check(MAIN);
  }

  @Test
  void theLowerPackagesDoNotReachUp() {
    // the direction of the edges that were cycles before the moves: a cycle test alone would also pass if
    // two layers were merged the other way round
    record Rule(String from, String... notTo) {}
    for (Rule r : new Rule[] {
        new Rule("process", "kernel", "wire", "checkpoint", "scenario"),
        new Rule("checkpoint", "kernel", "wire", "scenario"),
        new Rule("locks", "process", "kernel", "checkpoint", "wire", "scenario"),
        new Rule("kernel", "wire", "scenario")}) {
      for (String to : r.notTo()) {
        EvaluationResult res = com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses()
            .that().resideInAPackage("io.leasecr.core." + r.from() + "..")
            .should().dependOnClassesThat().resideInAPackage("io.leasecr.core." + to + "..")
            .evaluate(MAIN);
        assertThat(res.hasViolation()).as(r.from() + " -> " + to + ": " + res.getFailureReport()).isFalse();
      }
    }
  }
}
