package io.leasecr.node.cli;

import io.leasecr.node.calibrate.Calibration;
import io.leasecr.node.calibrate.CostFit;
import io.leasecr.node.calibrate.RestartCostFile;
import io.leasecr.node.linux.NativeProgram;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code emulator calibrate}: measures on this kernel what re-creating a process tree costs (fork, open,
 * leases, POSIX locks) under several CPU loads, and writes the restart-cost model fitted to it.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
    description = "Measure on this kernel what re-creating a process tree costs (fork, open, leases, POSIX locks) "
        + "under CPU load; write the fitted restart-cost.conf (about 30 s; docs/restart-cost.md).",
    footer = "Exit codes: 0 written, 1 a measurement failed, 2 bad input, 3 cannot run here.")
final class CalibrateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--out", paramLabel = "FILE", description = "write the model there (default: stdout)")
  Path out;

  @Option(names = "--quick", description = "a few seconds: fewer sizes, loads and repetitions")
  boolean quick;

  @Option(names = "--max-processes", paramLabel = "N", description = "the largest tree, 4-10000 (default: 500; quick 32)")
  Integer maxProcesses;

  @Option(names = "--busy", paramLabel = "K", split = ",",
      description = "CPU-bound threads per load level, 0-256 each (default: 0 and 1, 2, 4 times the cores; quick 0 "
          + "and the cores); 0 is always measured")
  List<Integer> busyLevels;

  @Option(names = "--repetitions", paramLabel = "R", description = "runs per measurement, 2-1000 (default: 10; quick 4)")
  Integer repetitions;

  @Option(names = "--fanout", paramLabel = "F", description = "children per process, 1-64 (default: ${DEFAULT-VALUE})")
  int fanout = 4;

  @Option(names = "--lease-type", paramLabel = "TYPE",
      description = "the leases the tree holds: ${COMPLETION-CANDIDATES} (F_RDLCK or F_WRLCK; default: ${DEFAULT-VALUE})")
  LeaseType leaseType = LeaseType.read;

  @Option(names = "--raw", paramLabel = "FILE", description = "also every run's measurement there, one line each")
  Path raw;

  /** The lease the measured tree holds. */
  enum LeaseType { read, write }

  @Override
  public Integer call() throws InterruptedException {
    int cores = Runtime.getRuntime().availableProcessors();
    int max = (int) bounded("--max-processes", maxProcesses, quick ? 32 : 500, 4, 10_000);
    int reps = (int) bounded("--repetitions", repetitions, quick ? 4 : 10, 2, 1000);
    bounded("--fanout", fanout, fanout, 1, 64);
    List<Integer> busy = busyLevels(quick ? List.of(0, cores) : List.of(0, cores, 2 * cores, 4 * cores));
    if (out != null) {
      OutputPaths.checkFile("--out", out);
    }
    if (raw != null) {
      OutputPaths.checkFile("--raw", raw);
    }
    Calibration.Plan plan = quick
        ? Calibration.Plan.quick(max, busy, reps, fanout, leaseType == LeaseType.write)
        : Calibration.Plan.standard(max, busy, reps, fanout, leaseType == LeaseType.write);

    Path helper;
    try {
      helper = Calibration.helper();
    } catch (NativeProgram.Unavailable e) {
      System.err.println("emulator: calibrate: the kernel side cannot run here: " + e.getMessage());
      return ConformCommand.KERNEL_UNAVAILABLE;
    }
    RestartCostFile.Machine machine = RestartCostFile.Machine.here();
    System.err.printf("calibrate: %s; %d measurements x (%d runs + 1 warm-up), busy levels %s%n", machine,
        plan.measurements(), reps, plan.busy());
    long t0 = System.nanoTime();
    List<Calibration.Measurement> measured;
    try (java.io.Writer rawOut = raw == null ? null : Files.newBufferedWriter(raw, StandardCharsets.UTF_8)) {
      measured = Calibration.measure(plan, helper, System.err, rawOut);
    } catch (Calibration.Failed e) {
      System.err.println("emulator: calibrate: " + e.getMessage());
      return Main.FAILED;
    } catch (IOException e) {
      System.err.println("emulator: calibrate: cannot write " + raw + ": " + OutputPaths.why(e));
      return Main.FAILED;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    CostFit.Result fit;
    try {
      fit = CostFit.fit(measured, cores, fanout);
    } catch (IllegalArgumentException e) {
      System.err.println("emulator: calibrate: cannot fit the model: " + e.getMessage());
      return Main.FAILED;
    }
    List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
    int at = args.indexOf("calibrate");
    List<String> own = at >= 0 ? args.subList(at + 1, args.size()) : args;
    String command = "emulator calibrate" + (own.isEmpty() ? "" : " " + String.join(" ", own));
    String text = RestartCostFile.render(fit, machine, command, ZonedDateTime.now(), plan);
    // the table goes where the parameters do not: stdout with --out, stderr when the file is on stdout
    PrintStream report = out == null ? System.err : System.out;
    report.print(RestartCostFile.report(fit));
    report.printf("measured in %.1f s%n", seconds);
    if (out == null) {
      System.out.print(text);
      return Main.OK;
    }
    try {
      OutputPaths.write(out, w -> w.write(text));
    } catch (IOException e) {
      System.err.println("emulator: calibrate: cannot write " + out + ": " + OutputPaths.why(e));
      return Main.FAILED;
    }
    System.out.println("wrote " + out);
    return Main.OK;
  }

  private long bounded(String name, Number given, long fallback, long min, long max) {
    long v = given == null ? fallback : given.longValue();
    BenchCommand.range(spec, name, v, min, max);
    return v;
  }

  /** The --busy levels (default {@code fallback}); 0 (the unloaded reference) is always measured. */
  private List<Integer> busyLevels(List<Integer> fallback) {
    if (busyLevels == null) {
      return fallback;
    }
    List<Integer> levels = new ArrayList<>(List.of(0));
    for (int k : busyLevels) {
      BenchCommand.range(spec, "--busy", k, 0, 256);
      levels.add(k);
    }
    return levels.stream().distinct().sorted().toList();
  }
}
