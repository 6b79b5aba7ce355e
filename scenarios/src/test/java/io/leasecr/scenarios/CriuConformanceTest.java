package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.leasecr.core.locks.CriuTypeGuess;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.RestartModes;
import io.leasecr.core.scenario.Step;
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
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Real CRIU as the oracle for {@code mode: criu} (issue 16 item 1): CRIU's zdtm lease and lock tests, ported to
 * scenarios/checkpoint/criu/, run on the emulator (always: their expectations are what CRIU 4.2 did) and, where
 * CRIU 4.2 (third_party/criu/build.sh) and the kernel side can run, on this machine with their checkpoint and
 * restart steps done by CRIU; the traces must agree. Skipped with the reason where CRIU or the kernel side
 * cannot run, except under CI, whose .ci/run builds CRIU first.
 */
// the real kernel and CRIU: never beside the side stream, which changes the lease sysctls (fs.leases-enable 0 for a
// turn would read as "no leases here") and builds the same native helper (junit-platform.properties)
@ResourceLock(KernelConformanceTest.SYSCTLS)
class CriuConformanceTest {

  /** zdtm's tests this directory ports, each by its own name. */
  private static final List<String> PORTED = List.of("file_lease00", "file_lease01", "file_lease02", "file_lease03",
      "file_lease04", "file_locks00", "file_locks01", "file_locks02", "file_locks03");

  private static Path helper;
  private static Path criu;
  private static String unavailable;
  /** CRIU 4.2 with patches/lease-type-guess.patch (build.sh --fixed-guess), or why it cannot run. */
  private static Path fixedCriu;
  private static String fixedUnavailable;

  @BeforeAll
  static void criuSide() {
    try {
      helper = KernelSide.check();
      criu = CriuBinary.find();
    } catch (NativeProgram.Unavailable e) {
      unavailable = e.getMessage();
    }
    try {
      fixedCriu = unavailable == null ? CriuBinary.find(CriuTypeGuess.OPEN_MODE) : null;
      fixedUnavailable = unavailable;
    } catch (NativeProgram.Unavailable e) {
      fixedUnavailable = e.getMessage();
    }
  }

  /** open-mode if a restart of the file asks for the patched CRIU's guess, else file-type (CRIU 4.2). */
  private static CriuTypeGuess guessOf(Scenario s) {
    return s.steps().stream().anyMatch(st -> st.action() instanceof Step.Restart r
        && r.typeGuess() == CriuTypeGuess.OPEN_MODE) ? CriuTypeGuess.OPEN_MODE : CriuTypeGuess.FILE_TYPE;
  }

  /**
   * The scenario against {@code binary}: the traces agree, or CRIU fails the restore where the emulator's note
   * says it does (then nothing after it can be compared). Returns what happened, for the caller to check.
   */
  private static String compare(Path path, Scenario s, Path binary) throws Exception {
    try {
      Conformance.Outcome r = CriuConformance.run(s, helper, binary);
      assertThat(r.comparison().agree())
          .as("%s differs from CRIU (%s):%n%s%n%s", path, binary, String.join("\n", r.comparison().differences()),
              r.comparison().sideBySide())
          .isTrue();
      assertThat(r.comparison().comparedEvents()).isPositive();
      return "agree";
    } catch (CriuConformance.PredictedFailure predicted) {
      return predicted.getMessage();
    }
  }

  /** Where the CRIU a scenario needs cannot run: the emulator side alone, then skipped (failed under CI). */
  private static void emulatorOnly(Path path, Scenario s, String why) {
    assertThat(Expectations.check(s, Emulation.run(s).events())).as("failed expectations of " + path).isEmpty();
    if (System.getenv("CI") != null) {
      fail("CI builds CRIU (.ci/run: build.sh and build.sh --fixed-guess) and provides the kernel side, yet CRIU "
          + "cannot run: " + why);
    }
    Assumptions.abort("the emulator side passed; real CRIU cannot run here: " + why);
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
      boolean fixed = guessOf(s) == CriuTypeGuess.OPEN_MODE;
      String why = fixed ? fixedUnavailable : unavailable;
      if (why != null) {
        // the emulator side alone: its expectations are what CRIU did when this was written
        emulatorOnly(path, s, why);
      }
      assertThat(Expectations.check(s, Emulation.run(s).events())).as("failed expectations of " + path).isEmpty();
      String outcome = compare(path, s, fixed ? fixedCriu : criu);
      if (path.getFileName().toString().equals("criu-write-lease-rdonly-downgrade-open-mode.yaml")) {
        // the patched guess takes F_RDLCK, which the reader's re-break does not conflict with
        assertThat(outcome).contains("Conflicting lease wasn't found");
      } else {
        assertThat(outcome).isEqualTo("agree");
      }
    }));
  }

  /**
   * The switch (lease-cr.criu.type-guess) matters both ways: a scenario written for one guess, run under the other
   * with the other CRIU, still agrees with it. 4.2 refuses the read lease beside another reader (EAGAIN) where the
   * patched CRIU restores it; the patched CRIU fails the reader-broken write lease that 4.2 restores; the zdtm
   * port with leases of both open modes (file_lease02) agrees with the patched CRIU too.
   */
  @TestFactory
  Stream<DynamicTest> eachGuessAgreesWithItsCriu() {
    record Case(String file, CriuTypeGuess guess, String expect) {}
    return Stream.of(
        new Case("criu-read-lease-beside-reader.yaml", CriuTypeGuess.FILE_TYPE, "Can't set lease"),
        new Case("criu-write-lease-rdonly-downgrade.yaml", CriuTypeGuess.OPEN_MODE, "Conflicting lease wasn't found"),
        new Case("zdtm-file-lease02.yaml", CriuTypeGuess.OPEN_MODE, "agree")
    ).map(c -> DynamicTest.dynamicTest(c.file() + " under " + c.guess(), () -> {
      Path path = ShippedScenarios.root().resolve("checkpoint/criu/" + c.file());
      Scenario s = RestartModes.typeGuess(ScenarioParser.parse(path), c.guess(), true);
      assertThat(guessOf(s)).isEqualTo(c.guess());
      String why = c.guess() == CriuTypeGuess.OPEN_MODE ? fixedUnavailable : unavailable;
      if (why != null) {
        Emulation.run(s); // the emulator side runs; its expectations are those of the file's own guess
        if (System.getenv("CI") != null) {
          fail("CI builds both CRIU binaries (.ci/run), yet one cannot run: " + why);
        }
        Assumptions.abort("real CRIU cannot run here: " + why);
      }
      String outcome = compare(path, s, c.guess() == CriuTypeGuess.OPEN_MODE ? fixedCriu : criu);
      assertThat(outcome).contains(c.expect());
    }));
  }
}
