package io.leasecr.node.bench;

import io.leasecr.core.checkpoint.Journal;
import java.io.PrintStream;
import java.util.List;

/** Prints checkpoint/restart figures for each tree size and journal, with the raw JDBC ratios and targets. */
public final class CheckpointBenchmarks {

  private final PrintStream out;

  public CheckpointBenchmarks(PrintStream out) {
    this.out = out;
  }

  /** @param journals name, journal, and the plain JDBC url, user and password of the same database */
  public record Target(String name, Journal journal, String url, String user, String password) {}

  public boolean run(List<Integer> sizes, List<Target> targets) throws Exception {
    boolean ok = true;
    for (Target t : targets) {
      CheckpointBench.run(1000, t.journal(), t.url(), t.user(), t.password()); // warm-up
      for (int n : sizes) {
        CheckpointBench.Result r = CheckpointBench.run(n, t.journal(), t.url(), t.user(), t.password());
        double write = r.rawWriteSeconds() / r.checkpointSeconds();
        double read = r.rawReadSeconds() / r.restartSeconds();
        out.printf("%-8s %,8d processes: image %,11d bytes; checkpoint %6.3f s (raw JDBC write %6.3f s, %5.1f%%);"
            + " restart %6.3f s (raw JDBC read %6.3f s, %5.1f%%)%n", t.name(), n, r.imageBytes(), r.checkpointSeconds(),
            r.rawWriteSeconds(), 100 * write, r.restartSeconds(), r.rawReadSeconds(), 100 * read);
        if (n >= 100_000) {
          boolean fast = r.checkpointSeconds() < 10 && r.restartSeconds() < 10;
          out.printf("         100k target (< 10 s each): %s%n", fast ? "met" : "MISSED");
          ok &= fast;
        }
        boolean ratio = write >= 0.5 && read >= 0.5;
        ok &= ratio;
      }
    }
    out.println(ok ? "all checkpoint/restart targets met" : "SOME CHECKPOINT/RESTART TARGETS MISSED (see the ratios)");
    return ok;
  }
}
