package io.leasecr.node.cli;

import io.leasecr.core.locks.RestartMode;
import io.leasecr.core.locks.RestartPolicy;
import io.leasecr.core.scenario.ScenarioException;
import io.leasecr.node.explore.Explorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code emulator explore FILE...}: checkpoint every scenario at every distinct moment, restart every subset
 * of its processes in every mode under every policy, recursively, and with the emulator killed during the
 * commit; check the C/R invariants after each run; print the table invariant x mode x policy, write a CSV and
 * a shrunk counterexample scenario for each violation. Exit 0 when only known properties of a mode or policy
 * are violated, 1 when another invariant is, 2 for bad input.
 */
@Command(name = "explore", mixinStandardHelpOptions = true,
    description = "Checkpoint/restart a scenario at every moment, subset, mode and policy; check invariants.")
public final class ExploreCommand implements Callable<Integer> {

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "scenario files (their own checkpoint and restart"
      + " steps and expectations are left out: the explorer places its own)")
  List<Path> files = new ArrayList<>();

  @Option(names = "--mode", split = ",", description = "restart modes: seed, criu, keep-break (default: all three)")
  List<String> modes = List.of("seed", "criu", "keep-break");

  @picocli.CommandLine.Mixin TypeGuessOption typeGuess;

  @Option(names = "--policy", split = ",", description = "policies (default: remaining, favor-holder, favor-breaker,"
      + " delta:+5s)")
  List<String> policies = List.of("remaining", "favor-holder", "favor-breaker", "delta:+5s");

  @Option(names = "--depth", description = "C/R levels: 1, or 2 for recursive C/R and killed commits (default 2)")
  int depth = 2;

  @Option(names = "--restart-after", description = "time between a checkpoint and its restart (default 5s)")
  String restartAfter = "5s";

  @Option(names = "--max-runs", description = "at most this many runs per file and level, evenly sampled (0: all)")
  int maxRuns = 0;

  @Option(names = "--replay-every", description = "run every Nth variant twice and compare traces (default 8; 0: never)")
  int replayEvery = 8;

  @Option(names = "--jobs", description = "runs in parallel (default: the cores)")
  int jobs = Math.max(1, Runtime.getRuntime().availableProcessors());

  @Option(names = "--out", description = "where the CSV and the counterexamples go (default explore-out)")
  Path out = Path.of("explore-out");

  @Option(names = "--no-kill-commit", description = "leave out the runs killed during a commit")
  boolean noKillCommit;

  @Option(names = "--no-shrink", description = "write the smallest counterexample found, without shrinking it")
  boolean noShrink;

  @Option(names = "--no-progress", description = "no progress bar")
  boolean noProgress;

  @Override
  public Integer call() throws Exception {
    for (String m : modes) {
      try {
        RestartMode.parse(m);
      } catch (IllegalArgumentException e) {
        return bad("--mode: " + e.getMessage());
      }
    }
    for (String p : policies) {
      try {
        RestartPolicy.parse(p);
      } catch (IllegalArgumentException e) {
        return bad("--policy: " + e.getMessage());
      }
    }
    if (depth < 1 || depth > 2) {
      return bad("--depth must be 1 or 2, got " + depth);
    }
    if (jobs < 1 || jobs > 256) {
      return bad("--jobs must be between 1 and 256, got " + jobs);
    }
    if (maxRuns < 0 || replayEvery < 0) {
      return bad("--max-runs and --replay-every must not be negative");
    }
    long gap;
    try {
      gap = io.leasecr.node.explore.ExploreTimes.millis(restartAfter);
    } catch (IllegalArgumentException e) {
      return bad("--restart-after: " + e.getMessage());
    }
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        return bad(f + ": no such scenario file");
      }
      try {
        io.leasecr.core.scenario.ScenarioParser.parse(f);
      } catch (ScenarioException e) {
        return bad(e.getMessage());
      }
    }
    OutputPaths.checkDirectoryWithoutMaking("--out " + out, out); // before the runs, not after them
    Explorer.Options options = new Explorer.Options(depth, List.copyOf(modes), List.copyOf(policies), gap, 4, maxRuns,
        replayEvery, jobs, !noKillCommit, !noShrink, 1);
    Path work = scratch();
    List<Explorer.Report> reports = new ArrayList<>();
    long start = System.nanoTime();
    try {
      Explorer explorer = new Explorer(options, noProgress ? null : System.err, work, typeGuess.guess());
      // files side by side too (reported in their order): a file's own serial part (its parse, its plain run, the
      // plan of its second level, the tails of its two levels) then overlaps another file's runs
      io.leasecr.node.conform.InOrder.run(files.size(), jobs,
          i -> explorer.explore(files.get(i), out.resolve("counterexamples")), n -> {}, reports::add);
    } catch (IllegalStateException failed) {
      if (failed.getCause() instanceof IOException io) {
        throw io;
      }
      System.err.println("emulator: explore stopped: " + failed.getMessage());
      return Main.FAILED;
    } finally {
      try (var s = Files.walk(work)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    double wall = (System.nanoTime() - start) / 1e9;
    int runs = reports.stream().mapToInt(r -> r.outcomes().size()).sum();
    Files.createDirectories(out);
    Path csv = out.resolve("explore.csv");
    Files.writeString(csv, Explorer.csv(reports));
    System.out.print(Explorer.table(reports, modes, policies));
    for (Explorer.Report r : reports) {
      System.out.printf("%s: %d runs, %d moments, %d subsets, %.1f s%n", r.file(), r.outcomes().size(), r.moments(),
          r.subsets(), r.wallMs() / 1000.0);
      r.counterexamples().forEach((k, p) -> System.out.println("  counterexample " + k.replace('|', ' ') + ": " + p));
    }
    List<String> unknown = new ArrayList<>();
    reports.forEach(r -> unknown.addAll(r.unknownViolations()));
    System.out.printf("%d runs in %.1f s wall (%.1f runs/s on %d jobs); wrote %s%n", runs, wall, runs / wall, jobs, csv);
    if (!unknown.isEmpty()) {
      System.out.println("violations that are no known property of their mode or policy:");
      unknown.stream().limit(20).forEach(u -> System.out.println("  " + u));
      return Main.FAILED;
    }
    return Main.OK;
  }

  /**
   * Where the runs write their images and drop them: memory (/dev/shm) where the machine has it, since a disk file
   * system's creating and removing of a directory and two files a run cost the explorer a tenth of its CPU; else
   * the temporary directory.
   */
  private static Path scratch() throws IOException {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      try {
        return Files.createTempDirectory(shm, "lcr-explore");
      } catch (IOException full) {
        // not usable after all (read-only, full): the temporary directory will do
      }
    }
    return Files.createTempDirectory("lcr-explore");
  }

  private static int bad(String problem) {
    System.err.println("emulator: " + problem);
    return Main.BAD_INPUT;
  }

  /** Today's Main dispatches here; the cli branch registers it as a subcommand. */
  static int run(String[] args) {
    return new CommandLine(new ExploreCommand()).execute(args);
  }
}
