package io.leasecr.node.calibrate;

import io.leasecr.core.restore.RestartCostModel;

import io.leasecr.node.conform.Sysctls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The fitted model as restart-cost.conf text (the format of emulator-core's restart-cost.conf), and the report. */
public final class RestartCostFile {

  /** The machine the measurements were taken on. */
  public record Machine(int cores, String kernel, String cpu) {

    public static Machine here() {
      String kernel = System.getProperty("os.version");
      try {
        kernel = Sysctls.read(Path.of("/proc/sys/kernel/osrelease")); // what uname -r prints
      } catch (IOException e) {
        // not Linux: os.version is the best there is
      }
      String cpu = "unknown CPU";
      try {
        cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
            .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse(cpu);
      } catch (IOException e) {
        // keep "unknown CPU"
      }
      return new Machine(Runtime.getRuntime().availableProcessors(), kernel, cpu);
    }

    @Override
    public String toString() {
      return cores + " cores, Linux " + kernel + ", " + cpu;
    }
  }

  /** The explanatory block that opens restart-cost.conf. */
  static final String PREAMBLE = """
      # The restart-cost model: what restoring a checkpointed process tree costs, in emulated time.
      # (io.leasecr.core.restore.RestartCostModel; docs/restart-cost.md explains the model.)
      #
      # A restore rebuilds the tree parents first, at most `parallelism` processes at once. One process costs
      #   (per-process-us + files * per-file-us + leases * per-lease-us + locks * per-lock-us)
      #   * (1 + load-slowdown * busy / parallelism) * jitter
      # where busy is the number of CPU-bound threads competing with the restore and jitter is a seeded
      # log-normal factor with mean 1 and this relative spread. base-us is paid once, before the first process.
      #
      """;

  private RestartCostFile() {}

  public static String render(CostFit.Result r, Machine machine, String command, ZonedDateTime when,
      Calibration.Plan plan) {
    RestartCostModel p = r.params();
    String date = when.withZoneSameInstant(ZoneOffset.UTC)
        .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
    StringBuilder s = new StringBuilder(PREAMBLE);
    s.append("# Calibrated by `").append(command).append("` on ").append(date).append('\n');
    s.append("# machine: ").append(machine).append('\n');
    s.append(String.format(Locale.ROOT,
        "# %d samples: %d measurements (tree shapes x busy levels %s) x %d runs, fan-out %d, %s leases%n",
        r.samples(), r.rows().size(), plan.busy(), plan.repetitions(), plan.fanout(),
        plan.writeLeases() ? "F_WRLCK" : "F_RDLCK"));
    s.append(String.format(Locale.ROOT,
        "# cost fit on %d unloaded shapes' medians: R^2 = %.4f, RMS relative residual %.1f%%%n", r.shapes(), r.r2(),
        100 * r.rmsRelative()));
    s.append(String.format(Locale.ROOT,
        "# load fit: RMS %.1f%% on the ratios t(busy)/t(0); all %d medians vs the model: RMS %.1f%%%n",
        100 * r.loadRmsError(), r.rows().size(), 100 * r.meanError()));
    s.append(String.format(Locale.ROOT,
        "# jitter: per process, from CV^2 = jitter^2/n + common^2; common spread %.1f%% of a whole restore (not "
            + "in the model)%n", 100 * r.commonSpread()));
    if (!r.slowdownByShape().isEmpty()) {
      StringBuilder each = new StringBuilder();
      r.slowdownByShape().forEach((shape, slope) ->
          each.append(each.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "n=%d: %s", shape.n(),
              number(slope))));
      s.append("# load-slowdown of each loaded tree alone: ").append(each).append(" (below: all together)\n");
    }
    for (String w : warnings(r)) {
      s.append("# warning: ").append(w).append('\n');
    }
    if (!r.floored().isEmpty()) {
      s.append("# fitted as zero or less, written as ").append(CostFit.FLOOR_US).append(": ")
          .append(String.join(", ", r.floored())).append('\n');
    }
    s.append("restart-cost {\n");
    s.append("  source = \"emulator calibrate, ").append(date).append(", ")
        .append(machine.toString().replace("\"", "'").replace("\\", "/")).append("\"\n");
    s.append(kv("base-us", p.baseUs()));
    s.append(kv("per-process-us", p.perProcessUs()));
    s.append(kv("per-file-us", p.perFileUs()));
    s.append(kv("per-lease-us", p.perLeaseUs()));
    s.append(kv("per-lock-us", p.perLockUs()));
    s.append("  parallelism = ").append(p.parallelism()).append('\n');
    s.append(kv("load-slowdown", p.loadSlowdown()));
    s.append(kv("jitter", p.jitter()));
    s.append("}\n");
    return s.toString();
  }

  /** Where the model does not describe the measurements well enough to trust it without looking. */
  static java.util.List<String> warnings(CostFit.Result r) {
    java.util.List<String> w = new java.util.ArrayList<>();
    if (r.rmsRelative() > 0.15) {
      w.add(String.format(Locale.ROOT, "the costs fit the unloaded trees poorly (RMS relative residual %.0f%%)",
          100 * r.rmsRelative()));
    }
    if (r.loadRmsError() > 0.15) {
      w.add(String.format(Locale.ROOT, "the load effect is not 1 + s * busy / parallelism for every tree (RMS %.0f%% "
          + "on the ratios; compare them per tree size)", 100 * r.loadRmsError()));
    }
    return w;
  }

  private static String kv(String key, double v) {
    return String.format(Locale.ROOT, "  %s = %s%n", key, number(v));
  }

  /** Four significant digits, at least one decimal, never exponent notation. */
  static String number(double v) {
    java.math.BigDecimal d = new java.math.BigDecimal(v).round(new java.math.MathContext(4));
    String t = d.toPlainString();
    return t.contains(".") ? t : t + ".0";
  }

  /** The table of measured against fitted times, for a person to judge the fit. */
  public static String report(CostFit.Result r) {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "%4s %6s %5s %6s %5s %11s %11s %11s %8s %8s %8s%n", "busy", "n", "files",
        "leases", "locks", "median ms", "mean ms", "fitted ms", "error %", "spread%", "model%"));
    for (CostFit.Row row : r.rows()) {
      s.append(String.format(Locale.ROOT, "%4d %6d %5d %6d %5d %11.3f %11.3f %11.3f %+8.1f %8.1f %8s%n", row.busy(),
          row.shape().n(), row.shape().files(), row.shape().leases(), row.shape().locks(), row.medianUs() / 1000,
          row.meanUs() / 1000, row.fittedUs() / 1000, row.errorPercent(), 100 * row.spread(),
          row.busy() == 0 ? String.format(Locale.ROOT, "%.1f", 100 * row.modelSpread()) : "-"));
    }
    s.append("error: fitted vs median. spread: robust CV of (t - base) over the runs; model: jitter / sqrt(n)\n");
    if (!r.load().isEmpty()) {
      s.append("load: (t_K - base) / (t_0 - base) of medians, per tree, against the fitted 1 + s * K / P\n");
      for (CostFit.LoadRow l : r.load()) {
        StringBuilder ratios = new StringBuilder();
        for (int i = 0; i < l.ratios().length; i++) {
          ratios.append(String.format(Locale.ROOT, "  n=%d: %.3f", l.shapes().get(i).n(), l.ratios()[i]));
        }
        s.append(String.format(Locale.ROOT, "  busy %2d (K/P %.2f):%s   fitted %.3f%n", l.busy(),
            l.busy() / (double) r.params().parallelism(), ratios, l.fitted()));
      }
      StringBuilder each = new StringBuilder();
      r.slowdownByShape().forEach((shape, slope) ->
          each.append(String.format(Locale.ROOT, "  n=%d: %.3f", shape.n(), slope)));
      s.append("  load-slowdown fitted to each tree alone:").append(each)
          .append(String.format(Locale.ROOT, "   (all together: %.3f)%n", r.params().loadSlowdown()));
    }
    RestartCostModel p = r.params();
    s.append(String.format(Locale.ROOT,
        "fit: base %s us, per process %s us, per file %s us, per lease %s us, per lock %s us, parallelism %d, "
            + "load-slowdown %s, jitter %s%n", number(p.baseUs()), number(p.perProcessUs()), number(p.perFileUs()),
        number(p.perLeaseUs()), number(p.perLockUs()), p.parallelism(), number(p.loadSlowdown()),
        number(p.jitter())));
    s.append(String.format(Locale.ROOT,
        "quality: cost fit R^2 %.4f, RMS relative residual %.1f%% (%d unloaded shapes, %d runs in all); "
            + "load ratios RMS %.1f%%; all medians vs model RMS %.1f%%; common spread %.1f%% (not in the model)%n",
        r.r2(), 100 * r.rmsRelative(), r.shapes(), r.samples(), 100 * r.loadRmsError(), 100 * r.meanError(),
        100 * r.commonSpread()));
    for (String w : warnings(r)) {
      s.append("warning: ").append(w).append('\n');
    }
    if (!r.floored().isEmpty()) {
      s.append("note: fitted as zero or less (written as ").append(CostFit.FLOOR_US).append("): ")
          .append(String.join(", ", r.floored())).append('\n');
    }
    return s.toString();
  }
}
