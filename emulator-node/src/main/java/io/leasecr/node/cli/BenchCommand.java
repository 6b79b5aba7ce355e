package io.leasecr.node.cli;

import io.leasecr.node.bench.Benchmarks;
import io.leasecr.node.bench.CheckpointBenchmarks;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code emulator bench}: prints the figures and ratios recorded in BENCHMARKS.md. */
final class BenchCommand {
  private BenchCommand() {}

  static int run(String[] args) {
    if (args.length > 0 && args[0].equals("cr")) {
      return checkpointRestart(java.util.Arrays.copyOfRange(args, 1, args.length));
    }
    Options o = Options.parse(args, Set.of("--cycles", "--pairs", "--processes"),
        Set.of("--skip-kernel", "--skip-heap"));
    long cycles = o.number("--cycles", 200_000);
    long pairs = o.number("--pairs", 100);
    if (cycles <= 0 || pairs <= 0 || cycles % pairs != 0) {
      throw new Main.UsageException("--cycles and --pairs must be > 0, and --cycles a multiple of --pairs");
    }
    List<Integer> sizes = numbers(o, "--processes", "100000,1000000");
    return new Benchmarks(System.out).run(cycles, (int) pairs, !o.has("--skip-kernel"),
        o.has("--skip-heap") ? List.of() : sizes) ? Main.OK : Main.FAILED;
  }

  /** {@code emulator bench cr}: checkpoint and restart of 1k, 10k, 100k processes on H2 and PostgreSQL. */
  private static int checkpointRestart(String[] args) {
    Options o = Options.parse(args, Set.of("--sizes", "--journal", "--warmup", "--repeats", "--plot"), Set.of());
    List<Integer> sizes = numbers(o, "--sizes", "1000,10000,100000");
    for (int n : sizes) {
      if (n < 1) {
        throw new Main.UsageException("--sizes: a tree needs at least 1 process, got " + n);
      }
    }
    long warmup = o.number("--warmup", 30);
    long repeats = o.number("--repeats", 11);
    if (warmup < 0 || repeats < 1) {
      throw new Main.UsageException("--warmup must be >= 0 and --repeats >= 1");
    }
    List<CheckpointBenchmarks.Target> targets = new ArrayList<>();
    String which = o.get("--journal", "both");
    if (!Set.of("h2", "postgres", "both").contains(which)) {
      throw new Main.UsageException("--journal must be h2, postgres or both, got '" + which + "'");
    }
    try {
      java.nio.file.Path data = java.nio.file.Files.createTempDirectory("lcr-bench-h2");
      if (which.equals("h2") || which.equals("both")) {
        io.leasecr.core.checkpoint.Journal h2 = io.leasecr.core.checkpoint.Journal.h2(data);
        targets.add(new CheckpointBenchmarks.Target("H2", h2,
            "jdbc:h2:file:" + data.toAbsolutePath().resolve("raw"), "sa", ""));
      }
      if (which.equals("postgres") || which.equals("both")) {
        String url = System.getenv("LEASE_CR_PG_URL");
        if (url == null) {
          System.out.println("PostgreSQL: skipped (set LEASE_CR_PG_URL, e.g. eval \"$(bash .ci/postgres.sh)\")");
        } else {
          String user = System.getenv().getOrDefault("LEASE_CR_PG_USER", "leasecr");
          String password = System.getenv().getOrDefault("LEASE_CR_PG_PASSWORD", "leasecr");
          targets.add(new CheckpointBenchmarks.Target("Postgres",
              io.leasecr.core.checkpoint.Journal.postgres(url, user, password), url, user, password));
        }
      }
      CheckpointBenchmarks benchmarks = new CheckpointBenchmarks(System.out);
      boolean met = benchmarks.run(sizes, targets, (int) warmup, (int) repeats);
      if (o.has("--plot")) {
        for (java.nio.file.Path file : benchmarks.plot(java.nio.file.Path.of(o.get("--plot", "")))) {
          System.out.println("plot: " + file);
        }
      }
      return met ? Main.OK : Main.FAILED;
    } catch (Exception e) {
      System.err.println("emulator: benchmark failed: " + e);
      return Main.FAILED;
    }
  }

  /** The comma-separated numbers of option {@code name} ({@code _} allowed as a digit separator). */
  private static List<Integer> numbers(Options o, String name, String fallback) {
    List<Integer> numbers = new ArrayList<>();
    for (String s : o.get(name, fallback).split(",")) {
      try {
        numbers.add(Integer.parseInt(s.trim().replace("_", "")));
      } catch (NumberFormatException e) {
        throw new Main.UsageException(name + " needs numbers separated by commas, got '" + s + "'");
      }
    }
    return numbers;
  }
}
