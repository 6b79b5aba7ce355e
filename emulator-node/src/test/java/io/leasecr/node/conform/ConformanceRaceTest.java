package io.leasecr.node.conform;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.trace.TraceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How many kernel runs a comparison takes: a kernel that differs the same way three times is a difference; a
 * kernel that runs the scenario two ways (a race at one instant) is given up to {@link Conformance#RACY_RUNS} runs
 * to show the emulator's way. Kernel traces here are made up: P1's close returns before or after a SIGIO.
 */
class ConformanceRaceTest {

  private static final Scenario S = ScenarioParser.parse("x.yaml", "name: x\nfiles:\n  - path: /data/F1\n"
      + "processes:\n  - {name: P1, pid: 101, signals: {SIGIO: handler}}\nsteps:\n"
      + "  - {at: 0ms, proc: P1, open: /data/F1, flags: O_RDWR}\n  - {at: 0ms, proc: P1, close: 3}\n");

  private static final TimeScale SCALE = new TimeScale(1.0, 50);

  /** A: the handler before close returns; B: after it; C: no signal at all. */
  private static List<TraceEvent> way(char w) {
    List<TraceEvent> t = new ArrayList<>();
    t.add(new TraceEvent(0, "enter", 101, "P1", 2, "close", null, null, null));
    TraceEvent signal = new TraceEvent(0, "signal", 101, "P1", 0, null,
        Map.of("signal", "SIGIO", "code", "SI_KERNEL", "action", "handler"), null, null);
    if (w == 'A') {
      t.add(signal);
    }
    t.add(new TraceEvent(0, "return", 101, "P1", 2, "close", null, 0L, null));
    if (w == 'B') {
      t.add(signal);
    }
    return t;
  }

  /** The kernel runs the given ways in turn; counts the runs. */
  private static Conformance.Outcome compare(char emulator, String kernelWays) throws Exception {
    int[] n = {0};
    return Conformance.compare(S, SCALE, way(emulator), 0, () -> {
      char w = kernelWays.charAt(n[0]++ % kernelWays.length());
      return new Conformance.Attempt(way(w), 0, null, KernelRun.Phases.NONE);
    });
  }

  @Test
  void aKernelThatAgreesFirstTimeIsRunOnce() throws Exception {
    Conformance.Outcome o = compare('A', "A");
    assertThat(o.comparison().agree()).isTrue();
    assertThat(o.kernelRuns()).isEqualTo(1);
    assertThat(o.racy()).isFalse();
  }

  @Test
  void aKernelThatDiffersTheSameWayThreeTimesIsADifference() throws Exception {
    Conformance.Outcome o = compare('B', "A");
    assertThat(o.comparison().agree()).isFalse();
    assertThat(o.kernelRuns()).isEqualTo(3);
    assertThat(o.racy()).isFalse();
    assertThat(o.race()).isEmpty();
  }

  @Test
  void aRacingKernelIsRunUntilItShowsTheEmulatorsWay() throws Exception {
    Conformance.Outcome o = compare('B', "AACAB");
    assertThat(o.comparison().agree()).isTrue();
    assertThat(o.kernelRuns()).isEqualTo(5);
    assertThat(o.kernelHistories()).isEqualTo(3);
    assertThat(o.race()).contains("3 different ways in 5 runs");
  }

  @Test
  void aRacingKernelThatNeverShowsTheEmulatorsWayIsADifferenceAfterTenRuns() throws Exception {
    Conformance.Outcome o = compare('B', "AC");
    assertThat(o.comparison().agree()).isFalse();
    assertThat(o.kernelRuns()).isEqualTo(Conformance.RACY_RUNS);
    assertThat(o.kernelHistories()).isEqualTo(2);
  }

  @Test
  void aDisturbedRunIsNotCounted() throws Exception {
    int[] n = {0};
    Conformance.Outcome o = Conformance.compare(S, SCALE, way('A'), 0, () -> n[0]++ == 0
        ? new Conformance.Attempt(way('C'), 0, "fs.lease-break-time changed by someone else", KernelRun.Phases.NONE)
        : new Conformance.Attempt(way('A'), 0, null, KernelRun.Phases.NONE));
    assertThat(o.comparison().agree()).isTrue();
    assertThat(o.kernelRuns()).isEqualTo(1);
  }
}
