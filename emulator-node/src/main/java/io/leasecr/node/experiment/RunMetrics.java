package io.leasecr.node.experiment;

import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceSink;

/**
 * Watches one run's trace and keeps only what the metrics need (a 100k-process run emits far more
 * than is worth keeping). On emulated time every event arrives on one thread, in order.
 */
final class RunMetrics implements TraceSink {

  /** One run's outcome; NaN where the run never got there (e.g. no break left to restore). */
  record Metrics(double restoreMs, double holderEffectiveMs, double flushed, double breakerWaitMs,
      int holderSignals, boolean starved, int checkpoints) {}

  private final TrialScenario.Built run;
  private long firstRestartAt = -1;
  private long resumedAt = -1;
  private long restoreMs = -1;
  private long restoredDeadline = -1;
  private long breakerStart = -1;
  private long breakerReturned = -1;
  private int signals;
  private int checkpoints;
  private Boolean flushed;

  /** Where phases go (emulator bench tree), or null. */
  private final Phases phases;

  RunMetrics(TrialScenario.Built run) {
    this(run, null);
  }

  RunMetrics(TrialScenario.Built run, Phases phases) {
    this.run = run;
    this.phases = phases;
  }

  @Override
  public void phase(String name) {
    if (phases != null) {
      phases.enter(name);
    }
  }

  /** Of the processes' own events only the holder's and the breaker's count (see {@link #emit}). */
  @Override
  public boolean enabledFor(int pid) {
    return pid == run.holderPid() || pid == run.breakerPid();
  }

  @Override
  public void emit(TraceEvent e) {
    switch (e.kind()) {
      case "checkpoint" -> {
        checkpoints++;
        if (phases != null && e.arg("bytes") instanceof Number n) {
          phases.imageBytes(n.longValue());
        }
      }
      case "restart" -> {
        if (e.pid() == 0 && firstRestartAt < 0) {
          firstRestartAt = e.t();
          resumedAt = e.t(); // an instant restart; a modelled one says when it is done below
        }
      }
      case "restored" -> {
        if (restoreMs < 0) {
          restoreMs = ((Number) e.arg("restoreMs")).longValue();
          resumedAt = e.t();
        }
      }
      case "signal" -> signals += e.pid() == run.holderPid() ? 1 : 0;
      case "enter" -> {
        if (e.pid() == run.breakerPid() && e.step() == run.breakStep() && breakerStart < 0) {
          breakerStart = e.t();
        }
      }
      case "return" -> {
        if (e.pid() == run.breakerPid() && e.step() == run.breakStep() && breakerReturned < 0
            && e.result() != null && e.result() >= 0) {
          breakerReturned = e.t();
        }
      }
      case "lease" -> onLease(e);
      default -> { }
    }
  }

  private void onLease(TraceEvent e) {
    if (e.pid() != run.holderPid()) {
      return;
    }
    String change = (String) e.arg("change");
    Object deadline = e.arg("deadline");
    // the first break after the first restart: the seed's resumed break, CRIU's fresh one, or keep-break's restored one
    if (firstRestartAt >= 0 && restoredDeadline < 0 && (change.startsWith("break")
        || change.startsWith("restored with its break")) && deadline != null) {
      restoredDeadline = ((Number) deadline).longValue();
    }
    if (flushed == null && breakerStart >= 0) {
      if (change.startsWith("released") || change.startsWith("changed")) {
        flushed = true; // the holder gave the lease up (or downgraded) itself
      } else if (change.startsWith("deadline")) {
        flushed = false; // the kernel took it: the holder had not finished
      }
    }
  }

  Metrics result() {
    double wait = breakerStart >= 0 && breakerReturned >= 0 ? breakerReturned - breakerStart : Double.NaN;
    double effective = restoredDeadline >= 0 && resumedAt >= 0 ? restoredDeadline - resumedAt : Double.NaN;
    boolean starved = Double.isNaN(wait) || wait > 2 * run.breakTimeMs();
    return new Metrics(restoreMs < 0 ? Double.NaN : restoreMs, effective,
        flushed == null ? Double.NaN : flushed ? 1 : 0, wait, signals, starved, checkpoints);
  }
}
