package io.leasecr.node.experiment;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A progress bar with an ETA on a terminal line. Runs differ in cost mostly by tree size, so the
 * ETA weighs each run by its process count rather than counting runs.
 */
public final class Progress {

  private final PrintStream out;
  private final boolean enabled;
  private final AtomicLong doneWork = new AtomicLong();
  private final AtomicLong doneRuns = new AtomicLong();
  private long totalWork;
  private int totalRuns;
  private long startNanos;
  private long lastPrint;
  private int lastTenth = -1;
  /** On a terminal the bar redraws in place; in a log it is a line per tenth of the work. */
  private final boolean terminal;

  public Progress(PrintStream out, boolean enabled, boolean terminal) {
    this.out = out;
    this.enabled = enabled;
    this.terminal = terminal;
  }

  void start(List<Experiment.RunPoint> points) {
    totalRuns = points.size();
    totalWork = points.stream().mapToLong(Progress::work).sum();
    startNanos = System.nanoTime();
    print(true);
  }

  void done(Experiment.RunPoint p) {
    doneWork.addAndGet(work(p));
    doneRuns.incrementAndGet();
    print(false);
  }

  void finish() {
    print(true);
    if (enabled && terminal) {
      out.println();
    }
  }

  /** A run costs its actor system's start plus its processes. */
  private static long work(Experiment.RunPoint p) {
    return 2_000L + p.treeSize();
  }

  private synchronized void print(boolean force) {
    long now = System.nanoTime();
    double fraction = totalWork == 0 ? 1 : (double) doneWork.get() / totalWork;
    int tenth = (int) Math.floor(fraction * 10);
    if (!enabled || (terminal ? !force && now - lastPrint < 250_000_000L : tenth == lastTenth)) {
      return;
    }
    lastPrint = now;
    lastTenth = tenth;
    double elapsed = (now - startNanos) / 1e9;
    String eta = fraction <= 0 ? "--:--" : clock(elapsed / fraction - elapsed);
    int width = 30;
    int filled = (int) Math.round(fraction * width);
    out.printf(Locale.ROOT, "%s[%s%s] %d/%d runs  %s elapsed  ETA %s%s", terminal ? "\r" : "", "#".repeat(filled),
        ".".repeat(width - filled), doneRuns.get(), totalRuns, clock(elapsed), eta, terminal ? " " : "\n");
    out.flush();
  }

  private static String clock(double seconds) {
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
