package io.leasecr.node.bench;

import io.leasecr.core.checkpoint.Journal;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prints checkpoint/restart figures for each tree size and journal, with the raw JDBC ratios and targets. */
public final class CheckpointBenchmarks {

  private final PrintStream out;
  private final Map<String, List<CheckpointBench.Result>> results = new LinkedHashMap<>();

  public CheckpointBenchmarks(PrintStream out) {
    this.out = out;
  }

  /** @param journals name, journal, and the plain JDBC url, user and password of the same database */
  public record Target(String name, Journal journal, String url, String user, String password) {}

  /**
   * @param warmup interleaved repetitions run untimed first, so that the JIT has compiled both paths
   * @param repeats timed repetitions (medians count)
   */
  public boolean run(List<Integer> sizes, List<Target> targets, int warmup, int repeats) throws Exception {
    CheckpointBench.Repetitions reps = new CheckpointBench.Repetitions(warmup, repeats);
    boolean fastEnough = true;
    boolean measuredAt100k = false;
    boolean endToEnd = true;
    boolean journalOnly = true;
    out.println("Throughput is given as a share of raw JDBC's on the same bytes (raw time / our time): the target is"
        + " >= 50%.");
    out.println("End to end: checkpoint = tree frozen to commit (collect, build, serialize, journal); restart = a whole"
        + " second run.");
    out.println("Journal only: write = Commit of the image bytes to Done (chunks + marker); read = Get to the bytes"
        + " checked (CRC32).");
    out.printf("Raw JDBC: the image bytes in 64 KB rows, one batch, one transaction; read back in one query."
        + " Journal-only and raw: median of %d, interleaved, after %d untimed.%n", repeats, warmup);
    out.println("Floor: an ask answered at once, a commit and a get of 1 byte (the journal's fixed cost), CRC32 + one"
        + " copy of the image; raw+floor: raw / (raw + fixed cost + CRC32 and copy), the ratio if the journal added"
        + " only that floor to raw JDBC's work.");
    for (Target t : targets) {
      CheckpointBench.run(1000, t.journal(), t.url(), t.user(), t.password(), reps); // warm-up
      for (int n : sizes) {
        CheckpointBench.Result r = CheckpointBench.run(n, t.journal(), t.url(), t.user(), t.password(), reps);
        results.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(r);
        double e2eWrite = r.checkpointRatio();
        double e2eRead = r.restartRatio();
        double jWrite = r.journalWriteRatio();
        double jRead = r.journalReadRatio();
        out.printf("%-8s %,8d processes: image %,11d bytes in %d chunk(s) + marker%n", t.name(), n, r.imageBytes(),
            r.chunks());
        out.printf("  end to end:   checkpoint %9.1f ms  restart %9.1f ms  -> vs raw: write %5.1f%%  read %5.1f%%%n",
            1e3 * r.checkpointSeconds(), 1e3 * r.restartSeconds(), 100 * e2eWrite, 100 * e2eRead);
        out.printf("  journal only: write      %9.2f ms  read    %9.2f ms  -> vs raw: write %5.1f%%  read %5.1f%%%n",
            1e3 * r.journalWriteSeconds(), 1e3 * r.journalReadSeconds(), 100 * jWrite, 100 * jRead);
        out.printf("  raw JDBC:     write      %9.2f ms  read    %9.2f ms%n", 1e3 * r.rawWriteSeconds(),
            1e3 * r.rawReadSeconds());
        CheckpointBench.Floor f = r.floor();
        out.printf("  floor:        ask %5.2f ms  1-byte commit %5.2f ms  get %5.2f ms  CRC32+copy %5.2f ms  -> raw+floor:"
            + " write %5.1f%%  read %5.1f%%%n", 1e3 * f.askSeconds(), 1e3 * f.commitSeconds(), 1e3 * f.getSeconds(),
            1e3 * f.crcAndCopySeconds(),
            100 * r.withFloorWriteRatio(), 100 * r.withFloorReadRatio());
        if (n >= 100_000) {
          boolean fast = r.checkpointSeconds() < 10 && r.restartSeconds() < 10;
          out.printf("  100k target (checkpoint and restart < 10 s each): %s%n", fast ? "met" : "MISSED");
          fastEnough &= fast;
          measuredAt100k = true;
        }
        endToEnd &= e2eWrite >= 0.5 && e2eRead >= 0.5;
        journalOnly &= jWrite >= 0.5 && jRead >= 0.5;
      }
    }
    out.printf("targets: 100k under 10 s %s; >= 50%% of raw JDBC end to end %s; >= 50%% of raw JDBC journal only %s%n",
        !measuredAt100k ? "not measured (no size >= 100000)" : fastEnough ? "met" : "MISSED",
        endToEnd ? "met" : "MISSED", journalOnly ? "met" : "MISSED");
    boolean ok = fastEnough && endToEnd && journalOnly;
    out.println(ok ? "all checkpoint/restart targets met" : "SOME CHECKPOINT/RESTART TARGETS MISSED (see above)");
    return ok;
  }

  /** The figures of the last {@link #run} as a picture in {@code dir} (SVG and PNG); the files written. */
  public List<Path> plot(Path dir) throws java.io.IOException {
    return CheckpointPlot.write(results, dir);
  }
}
