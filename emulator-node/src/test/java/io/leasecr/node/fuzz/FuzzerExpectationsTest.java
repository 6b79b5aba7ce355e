package io.leasecr.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.trace.TraceEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A shrunk program's expectations, taken from the kernel's trace, make a scenario the parser accepts. */
class FuzzerExpectationsTest {

  private static TraceEvent ev(long t, String kind, String proc, int pid, int step, String call, Long result,
      String errno) {
    return new TraceEvent(t, kind, pid, proc, step, call, null, result, errno);
  }

  @Test
  void anExitTakesNoExpectationAndTheScenarioParses() {
    // emulator fuzz --seed 61206, program 3809 shrunk: the child's exit "entered" and never returned
    Program p = new Program(2, List.of(
        new Program.Proc("P1", 101, null, Map.of(), List.of()),
        new Program.Proc("C1", 103, "P1", Map.of(), List.of())), List.of(
        new Program.Op(0, "P1", "proc: P1, fork: C1", List.of()),
        new Program.Op(1716, "P1", "proc: P1, sigtimedwait: [SIGIO], timeout: 500ms", List.of()),
        new Program.Op(2002, "C1", "proc: C1, exit: 0", List.of())));
    List<TraceEvent> kernel = List.of(
        ev(0, "enter", "P1", 101, 1, "fork", null, null),
        ev(0, "return", "P1", 101, 1, "fork", 103L, null),
        ev(1716, "enter", "P1", 101, 2, "sigtimedwait", null, null),
        ev(2216, "return", "P1", 101, 2, "sigtimedwait", -1L, "EAGAIN"),
        ev(2002, "enter", "C1", 103, 3, "exit", null, null));

    Map<Integer, String> expect = Fuzzer.expectations(p, kernel);

    assertThat(expect).containsEntry(0, "103").containsEntry(1, "EAGAIN").doesNotContainKey(2);
    String yaml = p.toYaml("fuzz-61206-3809", "shrunk", expect, List.of("{proc: C1, exit: 0, count: 1}"));
    assertThat(ScenarioParser.parse("fuzz-61206-3809.yaml", yaml).steps()).hasSize(3);
  }
}
