package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.Expectations;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.node.conform.Conformance;
import io.leasecr.node.conform.KernelSide;
import io.leasecr.node.criu.CriuBinary;
import io.leasecr.node.criu.CriuConformance;
import io.leasecr.node.linux.NativeProgram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Real CRIU as the oracle for {@code mode: criu} (issue 16 item 1): CRIU's zdtm lease and lock tests, ported to
 * scenarios/checkpoint/criu/, run on the emulator (always: their expectations are what CRIU 4.2 did) and, where
 * CRIU 4.2 (third_party/criu/build.sh) and the kernel side can run, on this machine with their checkpoint and
 * restart steps done by CRIU; the traces must agree. Skipped with the reason where CRIU or the kernel side
 * cannot run, except under CI, whose .ci/run builds CRIU first.
 */
class CriuConformanceTest {

  /** zdtm's tests this directory ports, each by its own name. */
  private static final List<String> PORTED = List.of("file_lease00", "file_lease01", "file_lease02", "file_lease03",
      "file_lease04", "file_locks00", "file_locks01", "file_locks02", "file_locks03");

  private static Path helper;
  private static Path criu;
  private static String unavailable;

  @BeforeAll
  static void criuSide() {
    try {
      helper = KernelSide.check();
      criu = CriuBinary.find();
    } catch (NativeProgram.Unavailable e) {
      unavailable = e.getMessage();
    }
  }

  private static List<Path> ported() throws IOException {
    try (Stream<Path> s = Files.list(ShippedScenarios.root().resolve("checkpoint/criu"))) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  @Test
  void everyZdtmLeaseAndLockTestIsPortedAndNamesItsSource() throws IOException {
    List<Path> files = ported().stream().filter(p -> p.getFileName().toString().startsWith("zdtm-")).toList();
    assertThat(files).hasSize(PORTED.size());
    for (String test : PORTED) {
      Path file = ShippedScenarios.root().resolve("checkpoint/criu/zdtm-" + test.replace('_', '-') + ".yaml");
      assertThat(file).exists();
      Scenario s = ScenarioParser.parse(file);
      assertThat(s.description()).contains("test/zdtm/static/" + test + ".c");
      assertThat(CriuConformance.notRunnable(s)).as("%s can be compared with CRIU", file).isNull();
    }
  }

  @TestFactory
  Stream<DynamicTest> eachPortedTestAgreesWithRealCriu() throws IOException {
    return ported().stream().map(path -> DynamicTest.dynamicTest(path.getFileName().toString(), () -> {
      Scenario s = ScenarioParser.parse(path);
      if (unavailable != null) {
        // the emulator side alone: its expectations are what CRIU did when this was written
        assertThat(Expectations.check(s, Emulation.run(s).events())).as("failed expectations of " + path).isEmpty();
        if (System.getenv("CI") != null) {
          fail("CI builds CRIU (.ci/run) and provides the kernel side, yet CRIU cannot run: " + unavailable);
        }
        Assumptions.abort("the emulator side passed; real CRIU cannot run here: " + unavailable);
      }
      Conformance.Outcome r = CriuConformance.run(s, helper, criu);
      assertThat(Expectations.check(s, r.emulator())).as("failed expectations of " + path).isEmpty();
      assertThat(r.comparison().agree())
          .as("%s differs from CRIU:%n%s%n%s", path, String.join("\n", r.comparison().differences()),
              r.comparison().sideBySide())
          .isTrue();
      assertThat(r.comparison().comparedEvents()).isPositive();
    }));
  }
}
