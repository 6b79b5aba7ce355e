package io.leasecr.node.cli;

import io.leasecr.node.bench.Benchmarks;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code emulator bench}: prints the figures and ratios recorded in BENCHMARKS.md. */
final class BenchCommand {
  private BenchCommand() {}

  static int run(String[] args) {
    Options o = Options.parse(args, Set.of("--cycles", "--pairs", "--processes"),
        Set.of("--skip-kernel", "--skip-heap"));
    long cycles = o.number("--cycles", 200_000);
    long pairs = o.number("--pairs", 100);
    if (cycles <= 0 || pairs <= 0 || cycles % pairs != 0) {
      throw new Main.UsageException("--cycles and --pairs must be > 0, and --cycles a multiple of --pairs");
    }
    List<Integer> sizes = new ArrayList<>();
    for (String s : o.get("--processes", "100000,1000000").split(",")) {
      try {
        sizes.add(Integer.parseInt(s.trim().replace("_", "")));
      } catch (NumberFormatException e) {
        throw new Main.UsageException("--processes needs numbers separated by commas, got '" + s + "'");
      }
    }
    return new Benchmarks(System.out).run(cycles, (int) pairs, !o.has("--skip-kernel"),
        o.has("--skip-heap") ? List.of() : sizes) ? Main.OK : Main.FAILED;
  }
}
