package io.leasecr.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.node.conform.KernelRun;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The generator without a kernel: reproducible, accepted by the emulator, weighted toward breaks. */
class ProgramGeneratorTest {

  private static String yaml(Program p) {
    return p.toYaml("t", "generated", Map.of(), List.of());
  }

  @Test
  void theSameSeedAndIndexGiveTheSameProgram() {
    assertThat(yaml(ProgramGenerator.generate(7, 3))).isEqualTo(yaml(ProgramGenerator.generate(7, 3)));
    assertThat(yaml(ProgramGenerator.generate(7, 3))).isNotEqualTo(yaml(ProgramGenerator.generate(7, 4)));
  }

  @Test
  void everyGeneratedProgramIsAcceptedAndKernelRunnable() {
    int breaking = 0;
    int shared = 0;
    int masks = 0;
    int waits = 0;
    int realtime = 0;
    for (int i = 0; i < 150; i++) {
      Program p = ProgramGenerator.generate(1, i);
      Scenario s = ScenarioParser.parse("fuzz-" + i + ".yaml", yaml(p));
      assertThat(KernelRun.notRunnable(s)).as(yaml(p)).isNull();
      String all = yaml(p);
      if (all.contains("O_WRONLY") || all.contains("O_RDWR") || all.contains("truncate:")) {
        breaking++;
      }
      if (all.contains("fork:") || all.contains("dup:")) {
        shared++;
      }
      masks += all.contains("sigprocmask:") ? 1 : 0;
      waits += all.contains("sigtimedwait:") || all.contains("sigwaitinfo:") ? 1 : 0;
      realtime += all.contains("F_SETSIG, fd: 3, arg: SIGRTMIN+1") ? 1 : 0;
    }
    assertThat(masks).as("programs with a signal mask").isGreaterThan(30);
    assertThat(waits).as("programs with a synchronous wait").isGreaterThan(25);
    assertThat(realtime).as("programs whose lease signal is a real-time one").isGreaterThan(5);
    assertThat(breaking).as("programs that can break a lease").isGreaterThan(100);
    assertThat(shared).as("programs that share a description").isGreaterThan(35);
  }

  @Test
  void generatedProgramsRunOnTheEmulator() {
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Program p = ProgramGenerator.generate(2, i);
      Emulation.Result r = Emulation.run(ScenarioParser.parse("fuzz-" + i + ".yaml", yaml(p)));
      if (r.events().isEmpty()) {
        failures.add(yaml(p));
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void shrinkingKeepsWhatMakesTheDifference() {
    Program p = ProgramGenerator.generate(3, 1);
    // a "difference" that needs only the holder's lease step: ddmin must find that one step
    Shrinker s = new Shrinker(q -> q.ops().stream().anyMatch(o -> o.body().contains("F_SETLEASE, fd: 3")), 200);
    Program small = s.shrink(p);
    assertThat(small.ops()).hasSize(1);
    assertThat(small.ops().get(0).body()).contains("F_SETLEASE");
    assertThat(small.procs()).extracting(Program.Proc::name).containsExactly("P1");
    assertThat(small.procs().get(0).reactions()).isEmpty();
  }
}
