package io.leasecr.node.calibrate;

import io.leasecr.core.restore.RestartCostModel;

import io.leasecr.node.calibrate.Calibration.Measurement;
import io.leasecr.node.calibrate.Calibration.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fits the restart-cost model to measured tree restores.
 *
 * <p>The model restores a tree parents first, at most {@code parallelism} processes at once; one process
 * costs {@code c = per-process + files*per-file + leases*per-lease + locks*per-lock}, times
 * {@code 1 + load-slowdown * busy / parallelism}, times a log-normal jitter of mean 1; {@code base} is paid
 * once. Without jitter every process of a measured shape costs the same, so the model's restore time is
 * {@code base + c * rounds}, where rounds is the length of the model's schedule of unit jobs on that tree
 * ({@link #rounds}). That is linear in the five costs.
 *
 * <p>Costs: ordinary least squares on the unloaded shapes, one equation per shape, its median time over
 * the repetitions (a median, so one run disturbed by another job on the machine does not move it), with
 * regressors 1, rounds, rounds*files, rounds*leases, rounds*locks. Each equation is divided by the
 * shape's median, so the residuals minimised are relative: a 1-process tree of 0.2 ms counts as much as a
 * 500-process tree of 60 ms (on absolute times base-us would be left to the noise of the largest trees). A
 * cost that comes out negative is fixed at 0 and the others refitted (an active-set non-negative fit); it is
 * then written as {@link #FLOOR_US}, and the result says so.
 *
 * <p>Load: for each shape run at busy levels K > 0, the ratio (t_K - base) / (t_0 - base) of medians is
 * regressed on K / parallelism through the origin: ratio = 1 + load-slowdown * K / parallelism.
 *
 * <p>Jitter: the model draws one factor per process, independently. A tree's time is then (about) a sum of
 * n independent costs divided by the parallelism, and the coefficient of variation of a sum of n iid terms is
 * a single term's CV / sqrt(n): CV_n^2 = jitter^2 / n. Measured spreads also have a part common to the whole
 * run (the machine as a whole slower or faster for a moment), which does not shrink with n. So the squared
 * CV of (t - base) of every unloaded shape with n >= 2 (a standard deviation that ignores runs more than 4
 * scaled MADs from the median, so one disturbed run does not count) is regressed on 1/n, on relative
 * residuals ({@link #spreadFit}): CV_n^2 = jitter^2 / n + common^2. The slope gives the per-process
 * jitter written to the file; the intercept, the common spread, cannot be expressed by the model and is
 * reported beside it. With independent costs (common = 0) this is exactly CV_n * sqrt(n).
 */
public final class CostFit {

  /** What a cost fitted as zero is written as: the format wants positive values. */
  public static final double FLOOR_US = 0.001;

  static final String[] COST_NAMES = {"base-us", "per-process-us", "per-file-us", "per-lease-us", "per-lock-us"};

  /** The model's restore time of this tree at this busy level, without jitter (base-us is not slowed). */
  public static double predict(RestartCostModel p, Shape s, int busy, int fanout) {
    return p.baseUs() + rounds(s.n(), fanout, p.parallelism()) * processUs(p, s) * p.slowdown(busy);
  }

  /** One process of this shape, unloaded, without jitter. */
  public static double processUs(RestartCostModel p, Shape s) {
    return p.processUs(s.files(), s.leases(), s.locks());
  }

  /**
   * One measured shape and busy level against the fitted model: times in µs; spread = robust CV of
   * (t - base) in the runs, modelSpread = what the model's per-process jitter gives this tree (jitter / sqrt n).
   */
  public record Row(Shape shape, int busy, int runs, double medianUs, double meanUs, double fittedUs, double spread,
      double modelSpread) {
    public double errorPercent() {
      return 100 * (fittedUs - medianUs) / medianUs;
    }
  }

  /** One busy level: the measured ratios (one per loaded shape) against the fitted 1 + s * K / P. */
  public record LoadRow(int busy, List<Shape> shapes, double[] ratios, double fitted) {}

  /**
   * The fit and how good it is. Cost fit over the unloaded shapes' medians: R^2 (on absolute times) and RMS
   * relative residual. meanError: RMS relative error of every measurement's median (loaded ones included)
   * against the model. loadRmsError: RMS relative error of the fitted load ratios. commonSpread: the part of
   * the runs' spread common to a whole restore, which the model's per-process jitter does not produce.
   */
  public record Result(RestartCostModel params, int samples, int shapes, double r2, double rmsRelative, double meanError,
      double loadRmsError, double commonSpread, List<String> floored, List<Row> rows, List<LoadRow> load,
      java.util.Map<Shape, Double> slowdownByShape) {}

  private CostFit() {}

  /**
   * Length of the model's schedule of a tree of n unit-cost processes in which process i's children are
   * i*fanout+1 .. i*fanout+fanout: each round restores up to {@code parallelism} processes whose parent is
   * already restored, lowest index first.
   */
  public static long rounds(int n, int fanout, int parallelism) {
    long rounds = 0;
    int[] queue = new int[n];
    int head = 0;
    int tail = 0;
    queue[tail++] = 0;
    while (head < tail) {
      int end = Math.min(tail, head + parallelism);
      for (int i = head; i < end; i++) {
        long first = (long) queue[i] * fanout + 1;
        for (long c = first; c < first + fanout && c < n; c++) {
          queue[tail++] = (int) c;
        }
      }
      head = end;
      rounds++;
    }
    return rounds;
  }

  public static Result fit(List<Measurement> measurements, int parallelism, int fanout) {
    List<Measurement> unloaded = measurements.stream().filter(m -> m.busy() == 0).toList();
    if (unloaded.size() < COST_NAMES.length) {
      throw new IllegalArgumentException("the five costs need at least five unloaded tree shapes, got "
          + unloaded.size());
    }
    // --- costs: least squares on relative residuals of the shapes' medians, non-negative (active set)
    int m = unloaded.size();
    double[][] x = new double[m][];
    double[] y = new double[m];
    for (int i = 0; i < m; i++) {
      Measurement u = unloaded.get(i);
      double r = rounds(u.shape().n(), fanout, parallelism);
      x[i] = new double[] {1, r, r * u.shape().files(), r * u.shape().leases(), r * u.shape().locks()};
      y[i] = u.median();
    }
    boolean[] fixed = new boolean[5];
    double[] cost = new double[5];
    List<String> floored = new ArrayList<>();
    while (true) {
      int free = 0;
      for (boolean f : fixed) {
        free += f ? 0 : 1;
      }
      double[][] a = new double[m][free];
      double[] b = new double[m];
      for (int i = 0; i < m; i++) {
        int c = 0;
        for (int j = 0; j < 5; j++) {
          if (!fixed[j]) {
            a[i][c++] = x[i][j] / y[i];
          }
        }
        b[i] = 1;
      }
      double[] sol = free == 0 ? new double[0] : leastSquares(a, b);
      Arrays.fill(cost, 0);
      int c = 0;
      int worst = -1;
      for (int j = 0; j < 5; j++) {
        if (!fixed[j]) {
          cost[j] = sol[c++];
          if (cost[j] <= 0 && (worst < 0 || cost[j] < cost[worst])) {
            worst = j;
          }
        }
      }
      if (worst < 0) {
        break;
      }
      fixed[worst] = true;
      floored.add(COST_NAMES[worst]);
    }
    double ssRes = 0;
    double ssTot = 0;
    double rel = 0;
    double meanY = Arrays.stream(y).average().orElse(0);
    for (int i = 0; i < m; i++) {
      double fitted = 0;
      for (int j = 0; j < 5; j++) {
        fitted += cost[j] * x[i][j];
      }
      ssRes += (y[i] - fitted) * (y[i] - fitted);
      ssTot += (y[i] - meanY) * (y[i] - meanY);
      rel += Math.pow((y[i] - fitted) / y[i], 2);
    }
    for (int j = 0; j < 5; j++) {
      if (fixed[j]) {
        cost[j] = FLOOR_US;
      }
    }
    double r2 = ssTot == 0 ? 1 : 1 - ssRes / ssTot;
    double rms = Math.sqrt(rel / m);
    double base = cost[0];

    // --- load: ratio of (t_K - base) to (t_0 - base), regressed on K / P through the origin
    List<Measurement> loaded = measurements.stream().filter(l -> l.busy() > 0).toList();
    double[] ratio = new double[loaded.size()];
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < loaded.size(); i++) {
      Measurement l = loaded.get(i);
      Measurement ref = unloaded.stream().filter(u -> u.shape().equals(l.shape())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no unloaded run of " + l.shape()));
      ratio[i] = (l.median() - base) / (ref.median() - base);
      double k = l.busy() / (double) parallelism;
      sxy += k * (ratio[i] - 1);
      sxx += k * k;
    }
    double slowdown = sxx == 0 ? 0 : sxy / sxx;
    if (slowdown <= 0) {
      floored.add("load-slowdown");
      slowdown = FLOOR_US;
    }
    List<LoadRow> load = new ArrayList<>();
    double loadErr = 0;
    for (int k : loaded.stream().mapToInt(Measurement::busy).distinct().sorted().toArray()) {
      List<Shape> shapes = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      double f = 1 + slowdown * k / parallelism;
      for (int i = 0; i < loaded.size(); i++) {
        if (loaded.get(i).busy() == k) {
          shapes.add(loaded.get(i).shape());
          ratios.add(ratio[i]);
          loadErr += Math.pow((ratio[i] - f) / f, 2);
        }
      }
      load.add(new LoadRow(k, shapes, ratios.stream().mapToDouble(Double::doubleValue).toArray(), f));
    }
    double loadRms = loaded.isEmpty() ? 0 : Math.sqrt(loadErr / loaded.size());
    // the same regression for each loaded tree alone: how far one load-slowdown is from fitting them all
    java.util.Map<Shape, Double> byShape = new java.util.LinkedHashMap<>();
    for (Shape shape : loaded.stream().map(Measurement::shape).distinct().toList()) {
      double nxy = 0;
      double nxx = 0;
      for (int i = 0; i < loaded.size(); i++) {
        if (loaded.get(i).shape().equals(shape)) {
          double k = loaded.get(i).busy() / (double) parallelism;
          nxy += k * (ratio[i] - 1);
          nxx += k * k;
        }
      }
      byShape.put(shape, nxy / nxx);
    }

    // --- jitter: CV_n^2 = jitter^2 / n + common^2 over the unloaded shapes with n >= 2, both >= 0
    List<double[]> cv = new ArrayList<>(); // {1/n, CV^2}
    for (Measurement u : unloaded) {
      if (u.shape().n() >= 2 && u.micros().length >= 2) {
        cv.add(new double[] {1.0 / u.shape().n(), Math.pow(spread(u, base), 2)});
      }
    }
    double[] jc = spreadFit(cv);
    double j2 = jc[0];
    double c2 = jc[1];
    if (j2 <= 0) {
      floored.add("jitter");
      j2 = FLOOR_US * FLOOR_US;
    }
    double jitter = Math.sqrt(j2);

    RestartCostModel params = new RestartCostModel("fit", cost[0], cost[1], cost[2], cost[3], cost[4], parallelism,
        slowdown, jitter);
    List<Row> rows = new ArrayList<>();
    double meanErr = 0;
    int samples = 0;
    for (Measurement u : measurements) {
      Row row = new Row(u.shape(), u.busy(), u.micros().length, u.median(), u.mean(),
          predict(params, u.shape(), u.busy(), fanout), spread(u, base), jitter / Math.sqrt(u.shape().n()));
      rows.add(row);
      meanErr += Math.pow(row.errorPercent() / 100, 2);
      samples += u.micros().length;
    }
    return new Result(params, samples, m, r2, rms, Math.sqrt(meanErr / rows.size()), loadRms, Math.sqrt(c2),
        List.copyOf(floored), rows, load, java.util.Collections.unmodifiableMap(byShape));
  }

  /**
   * Fits CV^2 = a / n + b (a = jitter^2, b = common^2, both >= 0) to points {1/n, CV^2}. A sample variance
   * from R runs has a relative error of about sqrt(2 / (R - 1)) whatever its size, so the fit weighs each
   * point by 1 / (fitted CV^2)^2: relative residuals, found by iterating (a gamma regression with identity
   * link). Plain least squares would let the largest spread (the smallest tree's) alone decide the slope.
   */
  static double[] spreadFit(List<double[]> points) {
    if (points.isEmpty()) {
      return new double[] {0, 0};
    }
    boolean twoSizes = points.stream().mapToDouble(p -> p[0]).distinct().count() >= 2;
    double[] fitted = points.stream().mapToDouble(p -> p[1]).map(y -> Math.max(y, 1e-12)).toArray();
    double a = 0;
    double b = 0;
    for (int iteration = 0; iteration < 50; iteration++) {
      double[] w = new double[points.size()];
      for (int i = 0; i < w.length; i++) {
        w[i] = 1 / Math.max(fitted[i], 1e-12);
      }
      double na;
      double nb;
      double[] both = twoSizes ? weighted(points, w, true) : null;
      if (both != null && both[0] >= 0 && both[1] >= 0) {
        na = both[0];
        nb = both[1];
      } else { // one of them is 0: the better of slope only (independent costs) and level only (common)
        double slope = Math.max(weighted(points, w, false)[0], 0);
        double level = Math.max(weightedMean(points, w), 0);
        if (sse(points, w, slope, 0) <= sse(points, w, 0, level)) {
          na = slope;
          nb = 0;
        } else {
          na = 0;
          nb = level;
        }
      }
      boolean converged = Math.abs(na - a) <= 1e-9 * Math.max(na, 1e-12)
          && Math.abs(nb - b) <= 1e-9 * Math.max(nb, 1e-12);
      a = na;
      b = nb;
      for (int i = 0; i < fitted.length; i++) {
        fitted[i] = Math.max(a * points.get(i)[0] + b, 1e-12);
      }
      if (converged) {
        break;
      }
    }
    return new double[] {a, b};
  }

  /** Weighted least squares of y on x (with an intercept if asked): {slope, intercept}. */
  private static double[] weighted(List<double[]> points, double[] w, boolean intercept) {
    double[][] a = new double[points.size()][];
    double[] b = new double[points.size()];
    for (int i = 0; i < b.length; i++) {
      a[i] = intercept ? new double[] {points.get(i)[0] * w[i], w[i]} : new double[] {points.get(i)[0] * w[i]};
      b[i] = points.get(i)[1] * w[i];
    }
    double[] x = leastSquares(a, b);
    return intercept ? x : new double[] {x[0], 0};
  }

  private static double sse(List<double[]> points, double[] w, double a, double b) {
    double s = 0;
    for (int i = 0; i < w.length; i++) {
      s += Math.pow(w[i] * (points.get(i)[1] - a * points.get(i)[0] - b), 2);
    }
    return s;
  }

  private static double weightedMean(List<double[]> points, double[] w) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < w.length; i++) {
      num += w[i] * w[i] * points.get(i)[1];
      den += w[i] * w[i];
    }
    return num / den;
  }

  /** Robust coefficient of variation of (t - base) over the runs. */
  private static double spread(Measurement u, double base) {
    return u.robustSd() / Math.max(u.median() - base, 1e-9);
  }

  /**
   * Least squares solution of a x = b (a is m x k, m >= k, full column rank) by Householder QR, with the
   * columns scaled to unit length first (the regressors differ by orders of magnitude).
   */
  static double[] leastSquares(double[][] a, double[] b) {
    int m = a.length;
    int k = a[0].length;
    if (m < k) {
      throw new IllegalArgumentException("fewer observations (" + m + ") than unknowns (" + k + ")");
    }
    double[][] r = new double[m][];
    for (int i = 0; i < m; i++) {
      r[i] = a[i].clone();
    }
    double[] y = b.clone();
    double[] scale = new double[k];
    for (int j = 0; j < k; j++) {
      double s = 0;
      for (int i = 0; i < m; i++) {
        s += r[i][j] * r[i][j];
      }
      s = Math.sqrt(s);
      if (s == 0) {
        throw new IllegalArgumentException("regressor " + j + " is zero in every observation");
      }
      scale[j] = s;
      for (int i = 0; i < m; i++) {
        r[i][j] /= s;
      }
    }
    for (int j = 0; j < k; j++) {
      double norm = 0;
      for (int i = j; i < m; i++) {
        norm += r[i][j] * r[i][j];
      }
      norm = Math.sqrt(norm);
      double alpha = r[j][j] > 0 ? -norm : norm;
      double[] v = new double[m];
      v[j] = r[j][j] - alpha;
      for (int i = j + 1; i < m; i++) {
        v[i] = r[i][j];
      }
      double vv = 0;
      for (int i = j; i < m; i++) {
        vv += v[i] * v[i];
      }
      if (vv == 0) {
        continue;
      }
      for (int c = j; c < k; c++) {
        double dot = 0;
        for (int i = j; i < m; i++) {
          dot += v[i] * r[i][c];
        }
        double f = 2 * dot / vv;
        for (int i = j; i < m; i++) {
          r[i][c] -= f * v[i];
        }
      }
      double dot = 0;
      for (int i = j; i < m; i++) {
        dot += v[i] * y[i];
      }
      double f = 2 * dot / vv;
      for (int i = j; i < m; i++) {
        y[i] -= f * v[i];
      }
    }
    double[] x = new double[k];
    for (int j = k - 1; j >= 0; j--) {
      if (Math.abs(r[j][j]) < 1e-10) {
        throw new IllegalArgumentException("the regressors are not independent (the plan cannot separate them)");
      }
      double s = y[j];
      for (int c = j + 1; c < k; c++) {
        s -= r[j][c] * x[c];
      }
      x[j] = s / r[j][j];
    }
    for (int j = 0; j < k; j++) {
      x[j] /= scale[j];
    }
    return x;
  }
}
