package io.leasecr.node;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.leasecr.node.cli.Main;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * No package cycles in emulator-node (issue 13 item 6), and the node runtime ({@code cluster}) does not depend
 * on the drill tooling or the command line above it: a node reads the drill file ({@code drillfile}), the
 * driver ({@code drill}) starts and watches nodes, {@code cli} wires commands to both.
 */
class PackageCyclesTest {

  /** The module's main classes, read from where they were compiled (no scan of the class path's jars). */
  private static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPath(classesOf(Main.class));

  static Path classesOf(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void mainCodeHasNoPackageCycle() {
    assertThat(MAIN.size()).as("classes of io.leasecr.node found on the class path").isGreaterThan(50);
    slices().matching("io.leasecr.node.(*)..").should().beFreeOfCycles().check(MAIN);
  }

  @Test
  void theNodeRuntimeDoesNotDependOnTheDrillToolingOrTheCommandLine() {
    noClasses().that().resideInAnyPackage("io.leasecr.node.cluster..", "io.leasecr.node.drillfile..")
        .should().dependOnClassesThat().resideInAnyPackage("io.leasecr.node.drill..", "io.leasecr.node.cli..")
        .check(MAIN);
    noClasses().that().resideOutsideOfPackage("io.leasecr.node.cli..")
        .should().dependOnClassesThat().resideInAPackage("io.leasecr.node.cli..")
        .check(MAIN);
  }
}
