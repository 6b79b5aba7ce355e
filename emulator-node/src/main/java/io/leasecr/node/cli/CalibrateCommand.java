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
import java.nio.file.StandardCopyOption;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code emulator calibrate}: measures on this kernel what re-creating a process tree costs (fork, open,
 * leases, POSIX locks) under several CPU loads, and writes the restart-cost model fitted to it.
 */
final class CalibrateCommand {
  private CalibrateCommand() {}

  static int run(String[] args) throws InterruptedException {
    Options o = Options.parse(args,
        Set.of("--out", "--raw", "--max-processes", "--busy", "--repetitions", "--fanout", "--lease-type"),
        Set.of("--quick"));
    if (!o.positional.isEmpty()) {
      throw new Main.UsageException("calibrate takes no arguments, got '" + o.positional.get(0) + "'");
    }
    boolean quick = o.has("--quick");
    int cores = Runtime.getRuntime().availableProcessors();
    int max = (int) bounded(o, "--max-processes", quick ? 32 : 500, 4, 10_000);
    int reps = (int) bounded(o, "--repetitions", quick ? 4 : 10, 2, 1000);
    int fanout = (int) bounded(o, "--fanout", 4, 1, 64);
    List<Integer> busy = busyLevels(o.get("--busy", null),
        quick ? List.of(0, cores) : List.of(0, cores, 2 * cores, 4 * cores));
    String leaseType = o.get("--lease-type", "read");
    if (!leaseType.equals("read") && !leaseType.equals("write")) {
      throw new Main.UsageException(
          "--lease-type must be read (F_RDLCK) or write (F_WRLCK), got '" + leaseType + "'");
    }
    Path out = o.has("--out") ? Path.of(o.get("--out", null)) : null;
    if (out != null) {
      Path dir = out.toAbsolutePath().getParent();
      if (dir == null || !Files.isDirectory(dir) || Files.isDirectory(out)) {
        throw new Main.UsageException("--out " + out + ": not a file in an existing directory");
      }
    }
    Path raw = o.has("--raw") ? Path.of(o.get("--raw", null)) : null;
    if (raw != null) {
      Path dir = raw.toAbsolutePath().getParent();
      if (dir == null || !Files.isDirectory(dir) || Files.isDirectory(raw)) {
        throw new Main.UsageException("--raw " + raw + ": not a file in an existing directory");
      }
    }
    Calibration.Plan plan = quick
        ? Calibration.Plan.quick(max, busy, reps, fanout, leaseType.equals("write"))
        : Calibration.Plan.standard(max, busy, reps, fanout, leaseType.equals("write"));

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
    } catch (Calibration.Failed | IOException e) {
      System.err.println("emulator: calibrate: " + e.getMessage());
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
    String command = "emulator calibrate" + (args.length == 0 ? "" : " " + String.join(" ", args));
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
      Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), ".restart-cost", ".tmp");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      System.err.println("emulator: calibrate: cannot write " + out + ": " + e.getMessage());
      return Main.FAILED;
    }
    System.out.println("wrote " + out);
    return Main.OK;
  }

  private static long bounded(Options o, String name, long fallback, long min, long max) {
    long v = o.number(name, fallback);
    if (v < min || v > max) {
      throw new Main.UsageException("option " + name + " must be from " + min + " to " + max + ", got " + v);
    }
    return v;
  }

  /** A list like 0,2,4,8; 0 (the unloaded reference) is always measured. */
  private static List<Integer> busyLevels(String value, List<Integer> fallback) {
    if (value == null) {
      return fallback;
    }
    List<Integer> levels = new ArrayList<>(List.of(0));
    for (String s : value.split(",", -1)) {
      try {
        int k = Integer.parseInt(s.trim());
        if (k < 0 || k > 256) {
          throw new Main.UsageException("--busy levels must be from 0 to 256, got " + k);
        }
        levels.add(k);
      } catch (NumberFormatException e) {
        throw new Main.UsageException("--busy needs whole numbers separated by commas, got '" + s + "'");
      }
    }
    return levels.stream().distinct().sorted().toList();
  }
}
