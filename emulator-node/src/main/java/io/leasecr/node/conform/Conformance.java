package io.leasecr.node.conform;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.trace.TraceEvent;
import java.io.IOException;
import io.leasecr.core.time.TimeMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Runs one scenario on the emulator and on the real kernel and compares the traces. */
public final class Conformance {

  /**
   * @param skipped why the kernel side was not run (null if it ran)
   * @param schedulingDelayMs the kernel run's largest measured scheduling delay (emulated ms), added to the
   *     scale's tolerance: load can make the kernel side late by that much, and no more was seen
   */
  public record Outcome(Scenario scenario, String skipped, TimeScale scale, List<TraceEvent> emulator,
      List<TraceEvent> kernel, TraceComparison.Result comparison, long schedulingDelayMs, long emulatorNanos,
      KernelRun.Phases kernelPhases, int kernelRuns, int kernelHistories) {

    public Outcome(Scenario scenario, String skipped, TimeScale scale, List<TraceEvent> emulator,
        List<TraceEvent> kernel, TraceComparison.Result comparison, long schedulingDelayMs) {
      this(scenario, skipped, scale, emulator, kernel, comparison, schedulingDelayMs, 0, KernelRun.Phases.NONE, 1, 1);
    }

    /** The time tolerance this comparison used (emulated ms). */
    public long toleranceMs() {
      return scale == null ? 0 : scale.toleranceMs() + schedulingDelayMs;
    }

    /**
     * Whether the kernel itself ran the scenario more than one way (ignoring time): processes racing at one
     * instant, whose order no rule decides.
     */
    public boolean racy() {
      return kernelHistories > 1;
    }

    /** The race in words, for a report: "" if the kernel ran the scenario one way. */
    public String race() {
      return racy() ? "the kernel ran it " + kernelHistories + " different ways in " + kernelRuns + " runs (a race "
          + "at one instant, which no rule orders)" : "";
    }
  }

  /**
   * Kernel runs at most for a scenario the kernel runs more than one way: the emulator, deterministic, takes one of
   * the ways a race can go, which must be one the kernel was seen to take.
   */
  public static final int RACY_RUNS = 10;

  private Conformance() {}

  public static Outcome run(Scenario s, Path helper) throws IOException, InterruptedException {
    return run(s, helper, ConfigFactory.empty());
  }

  /** With emulator configuration overrides (e.g. injected faults). */
  public static Outcome run(Scenario s, Path helper, Config emulatorConfig) throws IOException, InterruptedException {
    return run(s, helper, emulatorConfig, null);
  }

  /** With a time scale of the caller's choice (null: {@link TimeScale#of}), e.g. the fuzzer's 1:1. */
  public static Outcome run(Scenario s, Path helper, Config emulatorConfig, TimeScale chosen)
      throws IOException, InterruptedException {
    String why = KernelRun.notRunnable(s);
    long emulating = System.nanoTime();
    Emulation.Result emulated = Emulation.run(s, TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(5), emulatorConfig);
    long emulatorNanos = System.nanoTime() - emulating;
    if (why != null) {
      return new Outcome(s, why, null, emulated.events(), List.of(), null, 0);
    }
    TimeScale scale = chosen != null ? chosen : TimeScale.of(s);
    long horizon = emulated.events().isEmpty() ? 0 : emulated.events().get(emulated.events().size() - 1).t();
    return compare(s, scale, emulated.events(), emulatorNanos, () -> {
      KernelRun run = new KernelRun(s, scale, helper);
      List<TraceEvent> kernel = run.run(horizon);
      return new Attempt(kernel, scale.emulatedMillis(run.schedulingDelayNanos()), run.disturbed(), run.phases());
    });
  }

  /** One kernel-side run: its trace, its measured scheduling delay (emulated ms), who disturbed it (null: none). */
  record Attempt(List<TraceEvent> kernel, long delayMs, String disturbed, KernelRun.Phases phases) {}

  /** The kernel side, one run per call. */
  interface KernelRuns {
    Attempt next() throws IOException, InterruptedException;
  }

  /** The emulator's trace against kernel runs, as many as it takes (see below). */
  static Outcome compare(Scenario s, TimeScale scale, List<TraceEvent> emulated, long emulatorNanos, KernelRuns runs)
      throws IOException, InterruptedException {
    Outcome o = null;
    KernelRun.Phases phases = KernelRun.Phases.NONE; // every attempt's, the repeated ones too
    List<List<TraceEvent>> ways = new ArrayList<>(); // the kernel's distinct histories, time aside
    int compared = 0;
    for (int attempt = 0; attempt < 4 || ways.size() > 1 && compared < RACY_RUNS && attempt < RACY_RUNS + 4;
        attempt++) {
      Attempt run = runs.next();
      phases = phases.plus(run.phases());
      if (run.disturbed() != null) {
        // another run on this machine changed the machine-wide sysctls under ours: this one shows nothing
        System.err.println("emulator: " + s.name() + ": " + run.disturbed() + "; running the kernel side again");
        continue;
      }
      compared++;
      List<TraceEvent> kernel = run.kernel();
      if (ways.stream().noneMatch(w -> TraceComparison.compare(s, w, kernel, Long.MAX_VALUE / 4).agree())) {
        ways.add(kernel);
      }
      long delay = run.delayMs();
      o = new Outcome(s, null, scale, emulated, kernel,
          TraceComparison.compare(s, emulated, kernel, scale.toleranceMs() + delay), delay, emulatorNanos,
          phases, compared, ways.size());
      // load is bursty: a process woken at a deadline may run 70 ms late in a run whose measured delays were
      // small, a step meant for just before a deadline may go just after it. A differing run is played again,
      // up to twice, and said so; a wrong rule or deadline differs on every run. A kernel that runs it two ways
      // is racing: up to RACY_RUNS runs look for the emulator's way among the kernel's
      boolean racy = ways.size() > 1;
      if (o.comparison().agree() || (racy ? compared >= RACY_RUNS : attempt >= 2)) {
        return o;
      }
      System.err.println("emulator: " + s.name() + " differs from the kernel on run " + compared
          + " (measured scheduling delay " + delay + " ms emulated; " + o.comparison().differences().get(0).strip()
          + (racy ? "; " + o.race() : "") + "); running the kernel side again");
    }
    if (o == null) {
      throw new IOException("fs.lease-break-time or fs.leases-enable was changed by someone else during each of 4 runs");
    }
    return o;
  }
}
