package io.leasecr.node.criu;

import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.time.TimeMode;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.node.conform.Conformance;
import io.leasecr.node.conform.KernelRun;
import io.leasecr.node.conform.TimeScale;
import io.leasecr.node.conform.TraceComparison;
import io.leasecr.node.linux.NativeProgram;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Real CRIU as the oracle for checkpoint/restart scenarios: the scenario runs on the emulator (its restarts in
 * the mode the file says, {@code mode: criu} for CRIU's) and on this machine's kernel with its checkpoint steps
 * dumped and its restart steps restored by CRIU ({@link CriuDriver}); the traces are compared as for
 * {@code emulator conform}: calls, returns, signals (with si_fd and si_code), handler reactions, exits and
 * /proc/locks, each at its time within the tolerance.
 */
public final class CriuConformance {

  /**
   * The longest break of a scenario lasts this many real seconds (conform's 2 s, doubled): a dump and a restore
   * take 0.2 to 1 s here, and a restored process runs again up to 0.25 s after CRIU returns under load.
   */
  static final long LONGEST_BREAK_REAL_SECONDS = 4;

  private CriuConformance() {}

  /** Why this scenario cannot be compared with CRIU, or null if it can. */
  public static String notRunnable(Scenario s) {
    return KernelRun.notRunnable(s, true);
  }

  /** Whether the scenario takes a lease: one that does not cannot depend on fs.lease-break-time. */
  static boolean takesLeases(Scenario s) {
    return s.steps().stream().anyMatch(st -> st.action() instanceof io.leasecr.core.scenario.Step.Call c
        && c.syscall() instanceof io.leasecr.core.process.Syscall.Fcntl f
        && f.cmd() == io.leasecr.core.process.Syscall.Fcntl.Cmd.F_SETLEASE);
  }

  /**
   * CRIU refused a restore, and the emulator, which cannot fail a restart step, said in a note that CRIU fails
   * it there (criu mode's EAGAIN of the guessed lease, or the open-mode guess's re-break that finds no
   * conflict): the two agree on the failure, nothing after it can be compared.
   */
  public static final class PredictedFailure extends IOException {
    PredictedFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The emulator's note that CRIU fails this restore, if it has one and CRIU failed a restore; else null. */
  static String predictedFailure(List<TraceEvent> emulated, CriuDriver.CriuFailed failed) {
    if (!failed.what.equals("restore")) {
      return null;
    }
    for (TraceEvent e : emulated) {
      if (e.kind().equals("note") && e.args().get("text") instanceof String text && text.contains("fails this restore")) {
        return text;
      }
    }
    return null;
  }

  public static Conformance.Outcome run(Scenario s, Path helper, Path criu) throws IOException, InterruptedException {
    String why = notRunnable(s);
    var emulated = io.leasecr.core.scenario.Emulation.run(s, TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(5),
        com.typesafe.config.ConfigFactory.empty());
    if (why != null) {
      return new Conformance.Outcome(s, why, null, emulated.events(), List.of(), null, 0);
    }
    TimeScale scale = TimeScale.of(s, LONGEST_BREAK_REAL_SECONDS);
    long horizon = emulated.events().isEmpty() ? 0 : emulated.events().get(emulated.events().size() - 1).t();
    Conformance.Outcome o = null;
    Conformance.Outcome disturbed = null;
    for (int attempt = 0; attempt < 4; attempt++) {
      CriuDriver driver;
      try {
        driver = new CriuDriver(criu);
      } catch (NativeProgram.Unavailable e) {
        throw new IOException("native/lcr_criu_restore.c cannot be built: " + e.getMessage(), e);
      }
      KernelRun run = new KernelRun(s, scale, helper).withCheckpoints(driver);
      List<TraceEvent> kernel;
      try {
        kernel = run.run(horizon);
      } catch (CriuDriver.CriuFailed failed) {
        String note = predictedFailure(emulated.events(), failed);
        if (note != null) {
          throw new PredictedFailure("criu " + failed.what + " of " + failed.proc + " fails as the emulator's note "
              + "says (" + note + "); CRIU: " + failed.criuSays, failed);
        }
        throw failed;
      }
      long delay = scale.emulatedMillis(run.schedulingDelayNanos());
      Conformance.Outcome tried = new Conformance.Outcome(s, null, scale, emulated.events(), kernel,
          TraceComparison.compare(s, emulated.events(), kernel, scale.toleranceMs() + delay), delay);
      if (run.disturbed() != null && takesLeases(s) && !tried.comparison().agree()) {
        // another run on this machine changed fs.lease-break-time under ours: a difference then shows nothing
        // (an agreement stands: a wrong break time cannot make the traces agree unless the timing never mattered)
        System.err.println("emulator: " + s.name() + ": " + run.disturbed() + "; running the CRIU side again");
        disturbed = tried;
        continue;
      }
      o = tried;
      if (o.comparison().agree() || attempt >= 2) {
        return o;
      }
      System.err.println("emulator: " + s.name() + " differs from CRIU on run " + (attempt + 1)
          + " (measured scheduling delay " + delay + " ms emulated); running the CRIU side again");
    }
    if (o == null) {
      // each run differed with the sysctl changed under it: the last one is shown, said so
      System.err.println("emulator: " + s.name() + ": fs.lease-break-time or fs.leases-enable was changed by someone "
          + "else during each of 4 runs; the last run's comparison follows, and may show that change, not CRIU");
      return disturbed;
    }
    return o;
  }
}
