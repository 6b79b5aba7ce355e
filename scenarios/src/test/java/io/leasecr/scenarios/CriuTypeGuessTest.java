package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leasecr.core.locks.CriuTypeGuess;
import io.leasecr.core.scenario.ScenarioException;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.scenario.Step;
import io.leasecr.node.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The switch for CRIU's type guess (issue 16): a restart step's type_guess, --type-guess on the command line
 * (overrides the file) and LEASE_CR_CRIU_TYPE_GUESS (for restarts whose file names none), each changing what a
 * criu-mode restart does; bad values refused naming where they are. Emulator only (CriuConformanceTest compares
 * the two guesses with the two CRIU binaries).
 */
@UsesConsole
class CriuTypeGuessTest {

  @RegisterExtension final CapturedOutput output = new CapturedOutput();

  /** Written for CRIU 4.2: BREAKING READ after the restore, a ghost SIGIO. */
  private static final String FILE_TYPE = ShippedScenarios.root()
      .resolve("checkpoint/criu/criu-write-lease-rdonly-downgrade.yaml").toString();
  /** The same with type_guess: open-mode: ACTIVE READ, one SIGIO, CRIU's failure noted. */
  private static final String OPEN_MODE = ShippedScenarios.root()
      .resolve("checkpoint/criu/criu-write-lease-rdonly-downgrade-open-mode.yaml").toString();

  private int run(String... args) {
    output.reset();
    return Main.run(args);
  }

  @Test
  void theCommandLineOverridesTheFilesGuess() {
    assertThat(run("run", "--journal", "none", FILE_TYPE)).isZero();
    assertThat(output.out()).contains("criu semantics   [step").contains("previous type guessed WRITE");
    assertThat(run("run", "--journal", "none", "--type-guess", "open-mode", FILE_TYPE)).isEqualTo(1);
    assertThat(output.out()).contains("criu semantics (open-mode type guess)")
        .contains("CRIU with the open-mode type guess fails this restore").contains("LEASE  ACTIVE    READ 101");

    assertThat(run("run", "--journal", "none", OPEN_MODE)).isZero();
    assertThat(run("run", "--journal", "none", "--type-guess", "file-type", OPEN_MODE)).isEqualTo(1);
    assertThat(output.out()).contains("previous type guessed WRITE").contains("LEASE  BREAKING  READ 101")
        .doesNotContain("open-mode type guess");

    assertThat(run("run", "--journal", "none", "--type-guess", "open", FILE_TYPE)).isEqualTo(2);
    assertThat(output.err()).contains("--type-guess").contains("file-type (CRIU 4.2) or open-mode (patched), got 'open'");
  }

  @Test
  void theVariableAppliesWhereTheFileSaysNothing() {
    // a system property of the variable's name stands in for the variable (LeaseCrConfig)
    System.setProperty("LEASE_CR_CRIU_TYPE_GUESS", "open-mode");
    try {
      assertThat(run("run", "--journal", "none", FILE_TYPE)).isEqualTo(1);
      assertThat(output.out()).contains("criu semantics (open-mode type guess)");
      System.setProperty("LEASE_CR_CRIU_TYPE_GUESS", "file-type");
      assertThat(run("run", "--journal", "none", OPEN_MODE)).as("the file's type_guess wins").isZero();
      System.setProperty("LEASE_CR_CRIU_TYPE_GUESS", "fixed");
      assertThat(run("run", "--journal", "none", FILE_TYPE)).isEqualTo(2);
      assertThat(output.err()).contains("LEASE_CR_CRIU_TYPE_GUESS: CRIU's type guess must be file-type");
    } finally {
      System.clearProperty("LEASE_CR_CRIU_TYPE_GUESS");
    }
  }

  @Test
  void aRestartStepNamesItsGuessOrIsRefusedWithItsLine() throws Exception {
    String text = Files.readString(Path.of(OPEN_MODE));
    Step.Restart r = (Step.Restart) ScenarioParser.parse("x.yaml", text).steps().stream()
        .filter(s -> s.action() instanceof Step.Restart).findFirst().orElseThrow().action();
    assertThat(r.typeGuess()).isEqualTo(CriuTypeGuess.OPEN_MODE);
    assertThat(r.withMode(io.leasecr.core.locks.RestartMode.CRIU).typeGuess()).isEqualTo(CriuTypeGuess.OPEN_MODE);
    int line = text.lines().toList().indexOf(text.lines().filter(l -> l.contains("restart: C1")).findFirst().orElseThrow()) + 1;
    assertThatThrownBy(() -> ScenarioParser.parse("x.yaml", text.replace("type_guess: open-mode", "type_guess: guess")))
        .isInstanceOf(ScenarioException.class)
        .hasMessageContaining("x.yaml:" + line)
        .hasMessageContaining("got 'guess'");
  }
}
