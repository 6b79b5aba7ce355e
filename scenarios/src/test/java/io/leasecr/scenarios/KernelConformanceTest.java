package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.typesafe.config.ConfigFactory;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.node.conform.Conformance;
import io.leasecr.node.conform.KernelRun;
import io.leasecr.node.conform.KernelSide;
import io.leasecr.node.conform.Sysctls;
import io.leasecr.node.linux.NativeProgram;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The real kernel as the oracle: every kernel-runnable shipped scenario runs on the emulator and on
 * this machine's kernel, and the traces must agree. Skipped, with the reason, where the kernel side
 * cannot run (not Linux, not root, no gcc, leases disabled), except under CI, which provides all of it.
 */
@Execution(ExecutionMode.CONCURRENT) // the side stream (junit-platform.properties)
@ResourceLock(KernelConformanceTest.SYSCTLS)
@UsesConsole // it writes there: a kernel run disturbed and run again
class KernelConformanceTest {

  /** The side stream's lock: its classes change the machine's lease sysctls and time real lease breaks. */
  static final String SYSCTLS = "lease-cr: the machine's lease sysctls";

  private static Path helper;
  private static String unavailable;
  private static String breakTimeBefore;

  @BeforeAll
  static void kernelSide() throws Exception {
    try {
      helper = KernelSide.check();
      breakTimeBefore = Sysctls.readSettled(Sysctls.BREAK_TIME); // not another JVM's value during its run
    } catch (NativeProgram.Unavailable e) {
      unavailable = e.getMessage();
    }
  }

  /** Every run scales fs.lease-break-time; afterwards it must be exactly what it was. */
  @AfterAll
  static void theSysctlIsPutBack() throws Exception {
    if (breakTimeBefore != null) {
      assertThat(Sysctls.readSettled(Sysctls.BREAK_TIME)).isEqualTo(breakTimeBefore);
    }
  }

  private static void requireKernelSide() {
    if (unavailable != null) {
      if (System.getenv("CI") != null) {
        fail("CI provides Linux, root, gcc and leases, yet the kernel side cannot run: " + unavailable);
      }
      Assumptions.abort("kernel side unavailable here: " + unavailable);
    }
  }

  private static List<Path> runnable() {
    return ShippedScenarios.all().stream().filter(p -> KernelRun.notRunnable(ScenarioParser.parse(p)) == null).toList();
  }

  @TestFactory
  Stream<DynamicTest> everyKernelRunnableScenarioAgreesWithTheKernel() {
    requireKernelSide();
    return runnable().stream().map(path -> DynamicTest.dynamicTest(path.getFileName().toString(), () -> {
      Conformance.Outcome r = Conformance.run(ScenarioParser.parse(path), helper);
      assertThat(r.comparison().agree())
          .as("%s differs from the kernel:%n%s%n%s", path, String.join("\n", r.comparison().differences()),
              r.comparison().sideBySide())
          .isTrue();
      assertThat(r.comparison().comparedEvents()).isPositive();
    }));
  }

  @Test
  void nearlyEveryScenarioIsKernelRunnable() {
    List<String> not = ShippedScenarios.all().stream()
        .filter(p -> !p.toString().contains("/checkpoint/")) // Linux has no lease C/R to compare with
        .map(ScenarioParser::parse).filter(s -> KernelRun.notRunnable(s) != null).map(Scenario::name).toList();
    assertThat(not).as("scenarios the kernel cannot run (a filesystem without lease support)")
        .containsExactly("setlease-einval-no-lease-support");
  }

  @Test
  void aWrongRuleInTheEmulatorShowsAsADifference() throws Exception {
    requireKernelSide();
    Scenario s = ScenarioParser.parse(ShippedScenarios.root().resolve("leases/break-signal-once-deadline-not-reset.yaml"));
    Conformance.Outcome r = Conformance.run(s, helper,
        ConfigFactory.parseString("lease-cr.kernel.inject-faults = [resignal-later-openers]"));
    assertThat(r.comparison().agree()).isFalse();
    assertThat(r.comparison().differences()).anySatisfy(d -> assertThat(d).contains("only the emulator").contains("SIGIO"));
    assertThat(r.comparison().sideBySide()).contains("! ").contains("| kernel");
  }

  /** A timing bug: breaks a fifth too long (45 s becomes 54 s) must show, whatever the load did to the run. */
  @Test
  void aWrongDeadlineShowsAsADifference() throws Exception {
    requireKernelSide();
    Scenario s = ScenarioParser.parse(ShippedScenarios.root().resolve("leases/wake-writer-at-deadline-lease-removed.yaml"));
    Conformance.Outcome r = Conformance.run(s, helper,
        ConfigFactory.parseString("lease-cr.kernel.inject-faults = [late-deadline]"));
    assertThat(r.comparison().agree()).isFalse();
    assertThat(r.comparison().differences()).anySatisfy(d -> assertThat(d).contains("open").contains("on the kernel"));
  }
}
