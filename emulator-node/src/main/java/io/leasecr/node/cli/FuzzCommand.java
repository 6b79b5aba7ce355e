package io.leasecr.node.cli;

import io.leasecr.node.conform.KernelSide;
import io.leasecr.node.fuzz.Fuzzer;
import io.leasecr.node.linux.NativeProgram;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code emulator fuzz}: generated programs on the emulator and on this kernel; differences shrunk to scenarios. */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
    description = {"Differential fuzzing: generate multi-process programs from a seed, run each on the emulator and"
        + " on this machine's kernel, shrink every difference to a scenario file (expectations from the kernel).",
        "Exit: 0 no finding, 1 findings, 2 bad input, 3 the kernel side cannot run here."})
final class FuzzCommand implements Callable<Integer> {

  @Option(names = "--seed", description = "the run's seed (default ${DEFAULT-VALUE}); program I of seed S is the same"
      + " program every time", defaultValue = "1")
  long seed;

  @Option(names = "--programs", description = "how many programs (default ${DEFAULT-VALUE})", defaultValue = "100")
  int programs;

  @Option(names = "--first", description = "index of the first program (default ${DEFAULT-VALUE}): --first I"
      + " --programs 1 replays one", defaultValue = "0")
  int first;

  @Option(names = "--minutes", description = "stop starting programs after this many minutes (default: no limit)",
      defaultValue = "0")
  double minutes;

  @Option(names = "--out", description = "where shrunk scenarios go (default ${DEFAULT-VALUE})",
      defaultValue = "fuzz-out")
  Path out;

  @Option(names = "--shrink-runs", description = "at most this many runs to shrink one difference"
      + " (default ${DEFAULT-VALUE})", defaultValue = "80")
  int shrinkRuns;

  @Option(names = "--no-progress", description = "no progress bar")
  boolean noProgress;

  @Option(names = "--jobs", description = "programs run side by side (default ${DEFAULT-VALUE}); the findings and"
      + " the summary's counts are the same whatever the number", defaultValue = "1")
  int jobs;

  @Override
  public Integer call() throws Exception {
    if (programs < 1 || first < 0 || minutes < 0 || shrinkRuns < 0 || jobs < 1 || jobs > 64) {
      System.err.println("emulator: fuzz: --programs must be >= 1, --first, --minutes and --shrink-runs >= 0, --jobs"
          + " 1 to 64");
      return Main.BAD_INPUT;
    }
    OutputPaths.checkDirectoryWithoutMaking("--out " + out, out); // where a finding would go, before the search
    Path helper;
    try {
      helper = KernelSide.check();
    } catch (NativeProgram.Unavailable e) {
      System.err.println("emulator: the kernel side cannot run on this machine: " + e.getMessage());
      return ConformCommand.KERNEL_UNAVAILABLE;
    }
    Fuzzer f = new Fuzzer(seed, helper, out, noProgress ? null : System.err, shrinkRuns);
    Duration limit = minutes == 0 ? Duration.ofDays(365) : Duration.ofMillis((long) (minutes * 60_000));
    Fuzzer.Summary s = f.run(first, programs, limit, jobs);
    System.out.printf("fuzz --seed %d: %d programs in %.1f min (%.1f programs/min, %d jobs), %d findings, %d"
        + " differences seen once and not on the rerun, %d runs spent shrinking%n", seed, s.programs(),
        s.millis() / 60_000.0, s.perMinute(), jobs, s.findings().size(), s.unconfirmed(), s.shrinkRuns());
    System.out.println("  time " + s.profile());
    for (Fuzzer.Finding x : s.findings()) {
      System.out.printf("  program %d: %s: %s%n    shrunk from %d to %d (%d steps, %d processes): %s%n", x.index(),
          x.kind(), x.detail(), x.sizeBefore(), x.sizeAfter(), x.stepsAfter(), x.procsAfter(),
          x.file() == null ? "(not written)" : x.file());
    }
    return s.findings().isEmpty() ? Main.OK : Main.FAILED;
  }
}
