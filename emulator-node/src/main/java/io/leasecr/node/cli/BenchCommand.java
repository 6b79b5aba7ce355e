package io.leasecr.node.cli;

import io.leasecr.core.checkpoint.Journal;
import io.leasecr.node.bench.Benchmarks;
import io.leasecr.node.bench.CheckpointBenchmarks;
import io.leasecr.node.config.LeaseCrConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code emulator bench}: prints the figures and ratios recorded in BENCHMARKS.md. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
    description = "Measure lease-break cycles (emulator and real kernel), Pekko messaging and heap (BENCHMARKS.md).",
    subcommands = {BenchCommand.CheckpointRestart.class, BenchCommand.Runs.class, BenchCommand.Tree.class},
    footer = "Exit codes: 0 every target met, 1 one missed, 2 bad input.")
final class BenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--cycles", paramLabel = "N",
      description = "lease-break cycles, a multiple of --pairs, 1-1000000000 (default: ${DEFAULT-VALUE})")
  long cycles = 200_000;

  @Option(names = "--pairs", paramLabel = "N", description = "holder/breaker pairs, 1-100000 (default: ${DEFAULT-VALUE})")
  int pairs = 100;

  @Option(names = "--processes", paramLabel = "N", split = ",",
      description = "tree sizes for the heap figures, 1-10000000 each (default: 100000,1000000)")
  List<Integer> processes = new ArrayList<>(List.of(100_000, 1_000_000));

  @Option(names = "--skip-kernel", description = "no real-kernel figures") boolean skipKernel;

  @Option(names = "--skip-heap", description = "no heap figures") boolean skipHeap;

  @Override
  public Integer call() {
    range(spec, "--cycles", cycles, 1, 1_000_000_000);
    range(spec, "--pairs", pairs, 1, 100_000);
    if (cycles % pairs != 0) {
      throw new ParameterException(spec.commandLine(), "--cycles must be a multiple of --pairs, got " + cycles
          + " and " + pairs);
    }
    for (int n : processes) {
      range(spec, "--processes", n, 1, 10_000_000);
    }
    return new Benchmarks(System.out).run(cycles, pairs, !skipKernel, skipHeap ? List.of() : processes)
        ? Main.OK : Main.FAILED;
  }

  /** A usage error naming {@code option} and its range unless {@code min <= v <= max}. */
  static void range(CommandSpec spec, String option, long v, long min, long max) {
    if (v < min || v > max) {
      throw new ParameterException(spec.commandLine(), option + " must be from " + min + " to " + max + ", got " + v);
    }
  }

  /** {@code emulator bench cr}: checkpoint and restart of 1k, 10k, 100k processes on H2 and PostgreSQL. */
  @Command(name = "cr", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
      description = "Checkpoint/restart of N processes on the journal, against raw JDBC (H2 and PostgreSQL at "
          + "LEASE_CR_PG_URL).",
      footer = "Exit codes: 0 every target met, 1 one missed or the benchmark failed, 2 bad input.")
  static final class CheckpointRestart implements Callable<Integer> {

    /** The journals to measure. */
    enum Which { h2, postgres, both }

    @Spec CommandSpec spec;

    @Option(names = "--sizes", paramLabel = "N", split = ",",
        description = "tree sizes, 1-10000000 processes each (default: 1000,10000,100000)")
    List<Integer> sizes = new ArrayList<>(List.of(1000, 10_000, 100_000));

    @Option(names = "--journal", paramLabel = "KIND",
        description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    Which journal = Which.both;

    @Option(names = "--warmup", paramLabel = "N", description = "warm-up rounds, 0-10000 (default: ${DEFAULT-VALUE})")
    int warmup = 30;

    @Option(names = "--repeats", paramLabel = "N",
        description = "measured rounds, 1-10000 (default: ${DEFAULT-VALUE})")
    int repeats = 11;

    @Option(names = "--plot", paramLabel = "DIR", description = "SVG and PNG plots of the ratios there")
    Path plot;

    @Override
    public Integer call() {
      for (int n : sizes) {
        range(spec, "--sizes", n, 1, 10_000_000);
      }
      range(spec, "--warmup", warmup, 0, 10_000);
      range(spec, "--repeats", repeats, 1, 10_000);
      if (plot != null) {
        OutputPaths.checkDirectory("--plot", plot);
      }
      Journal postgres = null;
      if (journal != Which.h2) {
        try {
          postgres = LeaseCrConfig.load().postgresOrNull();
        } catch (LeaseCrConfig.BadSetting e) {
          throw new Failure(Main.BAD_INPUT, e.getMessage());
        }
      }
      List<CheckpointBenchmarks.Target> targets = new ArrayList<>();
      try {
        if (journal != Which.postgres) {
          Path data = Files.createTempDirectory("lcr-bench-h2");
          targets.add(new CheckpointBenchmarks.Target("H2", Journal.h2(data),
              "jdbc:h2:file:" + data.toAbsolutePath().resolve("raw"), "sa", ""));
        }
        if (journal != Which.h2) {
          if (postgres == null) {
            System.out.println("PostgreSQL: skipped (set LEASE_CR_PG_URL, e.g. eval \"$(bash .ci/postgres.sh)\")");
          } else {
            targets.add(new CheckpointBenchmarks.Target("Postgres", postgres, postgres.jdbcUrl(), postgres.user(),
                postgres.password()));
          }
        }
        CheckpointBenchmarks benchmarks = new CheckpointBenchmarks(System.out);
        boolean met = benchmarks.run(sizes, targets, warmup, repeats);
        if (plot != null) {
          for (Path file : benchmarks.plot(plot)) {
            System.out.println("plot: " + file);
          }
        }
        return met ? Main.OK : Main.FAILED;
      } catch (Exception e) {
        System.err.println("emulator: benchmark failed: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
        return Main.FAILED;
      }
    }
  }

  /** {@code emulator bench runs}: many small scenario runs in one JVM on reused actor systems. */
  @Command(name = "runs", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
      description = "Small scenarios run over and over in one JVM on reused actor systems, against a new system "
          + "per run; every reused run's trace is checked against the fresh run's.",
      footer = "Exit codes: 0 target met, 1 missed or a trace differed, 2 bad input.")
  static final class Runs implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "FILE", description = "scenario files (default: scenarios/leases/*.yaml)")
    List<Path> files = new ArrayList<>();

    @Option(names = "--seconds", paramLabel = "S", description = "measured seconds per setting, 1-600 (default: ${DEFAULT-VALUE})")
    int seconds = 5;

    @Option(names = "--jobs", paramLabel = "N", description = "threads, 1-256 (default: the cores)")
    int jobs = Math.max(1, Runtime.getRuntime().availableProcessors());

    @Override
    public Integer call() throws Exception {
      range(spec, "--seconds", seconds, 1, 600);
      range(spec, "--jobs", jobs, 1, 256);
      List<Path> paths = new ArrayList<>(files);
      if (paths.isEmpty()) {
        Path dir = Path.of("scenarios", "leases");
        if (!Files.isDirectory(dir)) {
          throw new Failure(Main.BAD_INPUT, "no scenario files given and no scenarios/leases here: give FILE...");
        }
        try (var list = Files.list(dir)) {
          list.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(paths::add);
        }
      }
      List<io.leasecr.core.scenario.Scenario> scenarios = new ArrayList<>();
      for (Path p : paths) {
        try {
          scenarios.add(io.leasecr.core.scenario.ScenarioParser.parse(p));
        } catch (io.leasecr.core.scenario.ScenarioException e) {
          throw new Failure(Main.BAD_INPUT, e.getMessage());
        }
      }
      try {
        return new io.leasecr.node.bench.SmallRuns(System.out).run(scenarios, seconds, jobs, 1000) ? Main.OK : Main.FAILED;
      } catch (java.util.concurrent.ExecutionException e) {
        System.err.println("emulator: " + e.getCause().getMessage());
        return Main.FAILED;
      }
    }
  }

  /** {@code emulator bench tree}: one experiment run of a large tree, timed per phase. */
  @Command(name = "tree", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
      description = "One experiment run of a 100k or 1M-process holder tree (checkpoint and restart), with the wall "
          + "time of each phase, the heap's peak and bytes per process.",
      footer = "Exit codes: 0 targets met, 1 missed, 2 bad input.")
  static final class Tree implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--experiment", paramLabel = "FILE",
        description = "experiment file: its first checkpoint-at, fanout, files per process (default: ${DEFAULT-VALUE})")
    Path experiment = Path.of("scenarios", "experiments", "seed-40s-into-break.yaml");

    @Option(names = "--sizes", paramLabel = "N", split = ",",
        description = "tree sizes, 1-10000000 (default: 100000,1000000)")
    List<Integer> sizes = new ArrayList<>(List.of(100_000, 1_000_000));

    @Option(names = "--repeats", paramLabel = "N", description = "runs per size, 1-100 (default: ${DEFAULT-VALUE})")
    int repeats = 1;

    @Option(names = "--policy", paramLabel = "P",
        description = "remaining, favor-holder, favor-breaker, delta:+5s, criu or keep-break/POLICY (default: ${DEFAULT-VALUE})")
    String policy = "remaining";

    @Option(names = "--lease-holders", paramLabel = "PCT",
        description = "share of the tree's added processes that also hold a lease on their file, broken at the "
            + "break's instant (O_NONBLOCK opens by the breaker) and so under break at the checkpoint, 0%%-100%% "
            + "(default: ${DEFAULT-VALUE}, issue 17's setting; the experiment file's tree: lease-holders if it has one)")
    String leaseHolders = "1%";

    @Option(names = "--live-heap",
        description = "also print the live heap at the cut and with the restored tree, bytes per process (a full "
            + "collection on entering each; its time is left out of the phases and the wall time)")
    boolean liveHeap;

    @Override
    public Integer call() {
      double holders = parsePercent(spec, "--lease-holders", leaseHolders);
      for (int n : sizes) {
        range(spec, "--sizes", n, 1, 10_000_000);
      }
      range(spec, "--repeats", repeats, 1, 100);
      String p = policy.startsWith("keep-break/") ? policy.substring("keep-break/".length()) : policy;
      if (!p.equals("criu")) {
        try {
          io.leasecr.core.locks.RestartPolicy.parse(p);
        } catch (IllegalArgumentException bad) {
          throw new ParameterException(spec.commandLine(), "--policy: " + bad.getMessage());
        }
      }
      io.leasecr.node.experiment.Experiment e;
      try {
        e = io.leasecr.node.experiment.ExperimentParser.parse(experiment);
      } catch (RuntimeException bad) {
        throw new Failure(Main.BAD_INPUT, bad.getMessage());
      }
      if (e.leaseHoldersPercent() == 0 || spec.commandLine().getParseResult().hasMatchedOption("--lease-holders")) {
        e = e.withLeaseHolders(holders);
      }
      return new io.leasecr.node.bench.TreeRuns(System.out).run(e, sizes, repeats, policy, liveHeap) ? Main.OK : Main.FAILED;
    }

    private static double parsePercent(CommandSpec spec, String option, String text) {
      String t = text.strip();
      double v;
      try {
        v = Double.parseDouble(t.endsWith("%") ? t.substring(0, t.length() - 1) : t);
      } catch (NumberFormatException e) {
        throw new ParameterException(spec.commandLine(), option + ": " + text + " is not a percentage (write 1% or 0.5%)");
      }
      if (!(v >= 0 && v <= 100)) {
        throw new ParameterException(spec.commandLine(), option + ": " + text + " is out of range: 0% to 100%");
      }
      return v;
    }
  }
}
