package io.leasecr.node.calibrate;

import io.leasecr.node.conform.Sysctls;
import io.leasecr.node.linux.NativeProgram;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The measurement side of {@code emulator calibrate}: a plan of tree shapes and CPU loads, run on this
 * machine's kernel by {@code native/restore_cost.c} (built with gcc on first use), one helper run per load
 * level. The helper forks a tree of N processes (each opens its files, takes its leases and POSIX locks,
 * then forks its children) and times, with CLOCK_MONOTONIC, from the first fork until all N are ready.
 */
public final class Calibration {

  /** One tree shape: N processes, each with this many files of its own, leases and POSIX locks. */
  public record Shape(int n, int files, int leases, int locks) {
    public Shape {
      if (n < 1 || files < 0 || leases < 0 || locks < 0 || leases > files || (locks > 0 && files == 0)) {
        throw new IllegalArgumentException("impossible shape " + this);
      }
    }

    String arg() {
      return n + "," + files + "," + leases + "," + locks;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "n=%d files=%d leases=%d locks=%d", n, files, leases, locks);
    }
  }

  /**
   * What to measure. Every shape in {@code unloaded} runs with no busy process; the shapes in {@code loaded}
   * (also in {@code unloaded}, as the reference) run again at every busy level above 0.
   */
  public record Plan(List<Shape> unloaded, List<Shape> loaded, List<Integer> busy, int repetitions, int fanout,
      boolean writeLeases) {

    public Plan {
      unloaded = List.copyOf(unloaded);
      loaded = List.copyOf(loaded);
      busy = busy.stream().distinct().sorted().toList();
      if (!busy.contains(0) || !unloaded.containsAll(loaded) || repetitions < 1 || fanout < 1) {
        throw new IllegalArgumentException("inconsistent plan");
      }
    }

    /**
     * The default plan, sized by the largest tree {@code max}: N alone (no files) from 1 to max (the small
     * trees show the per-process spread, which shrinks with N); files, leases and locks each varied with N
     * fixed at max/2; a mixed tree at max/16, max/4 and max, which also run at every busy level. Counts are
     * large enough for the per-file, per-lease and per-lock costs (a few microseconds or less) to stand out
     * of the per-process cost (about 100 µs for a fork).
     */
    public static Plan standard(int max, List<Integer> busy, int repetitions, int fanout, boolean writeLeases) {
      int half = Math.max(1, max / 2);
      LinkedHashSet<Shape> u = new LinkedHashSet<>();
      for (int n : new int[] {1, 2, 4, 8, max / 32, max / 8, half, max}) {
        if (n >= 1 && n <= max) {
          u.add(new Shape(n, 0, 0, 0));
        }
      }
      for (int f : new int[] {8, 32, 64}) {
        u.add(new Shape(half, f, 0, 0));
      }
      u.add(new Shape(half, 64, 16, 0));
      u.add(new Shape(half, 64, 64, 0));
      u.add(new Shape(half, 64, 0, 64));
      u.add(new Shape(half, 64, 0, 256));
      LinkedHashSet<Shape> loaded = new LinkedHashSet<>();
      for (int n : new int[] {Math.max(1, max / 16), Math.max(1, max / 4), max}) {
        loaded.add(new Shape(n, 16, 8, 16));
      }
      u.addAll(loaded);
      return new Plan(List.copyOf(u), List.copyOf(loaded), busy, repetitions, fanout, writeLeases);
    }

    /** A plan of a few seconds (for tests): small trees, few repetitions, but every cost still varied. */
    public static Plan quick(int max, List<Integer> busy, int repetitions, int fanout, boolean writeLeases) {
      int half = Math.max(1, max / 2);
      LinkedHashSet<Shape> u = new LinkedHashSet<>();
      for (int n : new int[] {1, 2, Math.max(2, max / 4), max}) {
        u.add(new Shape(n, 0, 0, 0));
      }
      u.add(new Shape(half, 16, 0, 0));
      u.add(new Shape(half, 16, 16, 0));
      u.add(new Shape(half, 16, 0, 64));
      Shape mixed = new Shape(max, 8, 4, 8);
      u.add(mixed);
      return new Plan(List.copyOf(u), List.of(mixed), busy, repetitions, fanout, writeLeases);
    }

    /** Shapes to run at this busy level. */
    List<Shape> at(int k) {
      return k == 0 ? unloaded : loaded;
    }

    public int measurements() {
      return unloaded.size() + loaded.size() * (busy.size() - 1);
    }
  }

  /** The repetitions of one shape at one busy level, in microseconds. */
  public record Measurement(Shape shape, int busy, double[] micros) {
    public double mean() {
      double s = 0;
      for (double x : micros) {
        s += x;
      }
      return s / micros.length;
    }

    /** Sample standard deviation (n - 1); 0 with one repetition. */
    public double sd() {
      if (micros.length < 2) {
        return 0;
      }
      double m = mean();
      double s = 0;
      for (double x : micros) {
        s += (x - m) * (x - m);
      }
      return Math.sqrt(s / (micros.length - 1));
    }

    public double median() {
      return quantile(0.5);
    }

    /**
     * A standard deviation that one disturbed run cannot inflate: the plain one over the runs within 4
     * scaled median absolute deviations (1.4826 MAD, the standard deviation for normal data) of the median.
     */
    public double robustSd() {
      double med = median();
      double[] dev = new double[micros.length];
      for (int i = 0; i < micros.length; i++) {
        dev[i] = Math.abs(micros[i] - med);
      }
      double mad = 1.4826 * new Measurement(shape, busy, dev).median();
      double[] kept = java.util.Arrays.stream(micros).filter(x -> mad == 0 || Math.abs(x - med) <= 4 * mad).toArray();
      return new Measurement(shape, busy, kept).sd();
    }

    /** Linear interpolation between order statistics (the usual "type 7" quantile). */
    public double quantile(double q) {
      double[] v = micros.clone();
      java.util.Arrays.sort(v);
      double h = (v.length - 1) * q;
      int lo = (int) Math.floor(h);
      int hi = Math.min(lo + 1, v.length - 1);
      return v[lo] + (h - lo) * (v[hi] - v[lo]);
    }
  }

  /** The helper ran but failed (a process of the tree could not fork, open, lease or lock). */
  public static final class Failed extends Exception {
    public Failed(String why) {
      super(why);
    }
  }

  private static final Pattern LINE = Pattern.compile(
      "n=(\\d+) files=(\\d+) leases=(\\d+) locks=(\\d+) fanout=(\\d+) busy=(\\d+) rep=(\\d+) ns=(\\d+)");

  private Calibration() {}

  /** The helper binary, or why the kernel side cannot run here (not Linux, no gcc, leases disabled). */
  public static Path helper() throws NativeProgram.Unavailable {
    if (!System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")) {
      throw new NativeProgram.Unavailable("not Linux (" + System.getProperty("os.name") + ")");
    }
    try {
      if (!Sysctls.read(Path.of("/proc/sys/fs/leases-enable")).equals("1")) {
        throw new NativeProgram.Unavailable("leases are disabled (fs.leases-enable = 0)");
      }
    } catch (IOException e) {
      throw new NativeProgram.Unavailable("cannot read /proc/sys/fs/leases-enable: " + e.getMessage());
    }
    return NativeProgram.build("restore_cost");
  }

  /**
   * Runs the plan: one helper run per busy level, its shapes taking turns (repetition r of every shape, then
   * r + 1). Progress on {@code progress}: a line per round, and each shape's mean when its level is done.
   */
  public static List<Measurement> measure(Plan plan, Path helper, PrintStream progress)
      throws IOException, InterruptedException, Failed {
    return measure(plan, helper, progress, null);
  }

  /** As above; every line the helper prints (one per run) is also copied to {@code raw} if not null. */
  public static List<Measurement> measure(Plan plan, Path helper, PrintStream progress, java.io.Writer raw)
      throws IOException, InterruptedException, Failed {
    List<Measurement> all = new ArrayList<>();
    int done = 0;
    int total = plan.measurements();
    long start = System.nanoTime();
    Path scratch = Files.createTempDirectory("lcr-calibrate");
    try {
      for (int k : plan.busy()) {
        List<Shape> shapes = plan.at(k);
        if (shapes.isEmpty()) {
          continue;
        }
        List<String> cmd = new ArrayList<>(List.of(helper.toString(), "-d", scratch.toString(),
            "-F", String.valueOf(plan.fanout()), "-b", String.valueOf(k), "-r", String.valueOf(plan.repetitions())));
        if (plan.writeLeases()) {
          cmd.add("-w");
        }
        for (Shape s : shapes) {
          cmd.add("-c");
          cmd.add(s.arg());
        }
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
        try {
          Map<Shape, List<Double>> reps = new LinkedHashMap<>();
          for (Shape s : shapes) {
            reps.put(s, new ArrayList<>());
          }
          int lines = 0;
          try (BufferedReader out =
              new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
              if (raw != null) {
                raw.write(line);
                raw.write('\n');
              }
              Matcher m = LINE.matcher(line);
              if (!m.matches()) {
                throw new Failed("restore_cost printed an unexpected line: " + line);
              }
              Shape s = new Shape(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                  Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)));
              List<Double> r = reps.get(s);
              if (r == null || Integer.parseInt(m.group(6)) != k) {
                throw new Failed("restore_cost measured something not asked for: " + line);
              }
              r.add(Long.parseLong(m.group(8)) / 1000.0);
              if (++lines % shapes.size() == 0) {
                progress.printf(Locale.ROOT, "calibrate: busy=%d: run %d/%d of %d tree%s done, %.1f s%n", k,
                    lines / shapes.size(), plan.repetitions(), shapes.size(), shapes.size() == 1 ? "" : "s",
                    (System.nanoTime() - start) / 1e9);
              }
            }
          }
          String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
          if (!p.waitFor(60, TimeUnit.SECONDS)) {
            throw new Failed("restore_cost did not exit");
          }
          if (p.exitValue() != 0) {
            throw new Failed("restore_cost failed (exit " + p.exitValue() + "): " + err);
          }
          if (reps.values().stream().anyMatch(r -> r.size() != plan.repetitions())) {
            throw new Failed("restore_cost measured fewer runs than asked: " + err);
          }
          for (Map.Entry<Shape, List<Double>> e : reps.entrySet()) {
            double[] micros = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
            Measurement ms = new Measurement(e.getKey(), k, micros);
            all.add(ms);
            progress.printf(Locale.ROOT, "calibrate: [%2d/%d] busy=%-2d %-40s median %9.3f ms  (robust sd %.1f%%)%n",
                ++done, total, k, e.getKey(), ms.median() / 1000, 100 * ms.robustSd() / ms.median());
          }
        } finally {
          stop(p);
        }
      }
    } finally {
      deleteTree(scratch);
    }
    return all;
  }

  /** SIGTERM first: the helper then kills its tree and busy processes and removes its scratch files. */
  private static void stop(Process p) throws InterruptedException {
    if (p.isAlive()) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
