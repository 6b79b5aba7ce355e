package io.leasecr.node.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedSet;

/**
 * Emulated time to x. Between the instants where something is drawn time runs linearly, except that each
 * instant keeps at least a few pixels from the next (so events 1 ms apart do not sit on one another) and a gap
 * where nothing happens that is longer than a seventh of the run, 4 times the median gap and 1 s is compressed to {@link #GAP_PX} pixels
 * (a 45 s lease-break wait should not squeeze the rest). Compressed gaps are drawn on the axis as a break.
 */
final class TimeScale {

  static final double GAP_PX = 30;
  private static final double MIN_STEP_PX = 6;
  private static final long MIN_COMPRESSED_MS = 1000;
  /** A gap longer than 1/SHARE of the whole run, where nothing is drawn, is compressed. */
  private static final long SHARE = 7;

  private final long[] ts;
  private final double[] xs;
  private final boolean[] compressed; // gap i is between ts[i] and ts[i + 1]
  private final double x0;
  private final double x1;

  private TimeScale(long[] ts, double[] xs, boolean[] compressed, double x0, double x1) {
    this.ts = ts;
    this.xs = xs;
    this.compressed = compressed;
    this.x0 = x0;
    this.x1 = x1;
  }

  static TimeScale fit(SortedSet<Long> instants, double x0, double width) {
    long[] ts = instants.stream().mapToLong(Long::longValue).toArray();
    if (ts.length == 0) {
      ts = new long[] {0};
    }
    if (ts.length == 1) {
      return new TimeScale(ts, new double[] {x0 + width / 2}, new boolean[0], x0, x0 + width);
    }
    int n = ts.length - 1;
    boolean[] compressed = new boolean[n];
    long total = ts[n] - ts[0];
    long[] at = ts;
    long[] nonzero = java.util.stream.IntStream.range(0, n).mapToLong(i -> at[i + 1] - at[i]).filter(g -> g > 0)
        .sorted().toArray();
    long typical = nonzero.length == 0 ? 0 : nonzero[nonzero.length / 2];
    for (int i = 0; i < n; i++) {
      long g = ts[i + 1] - ts[i];
      compressed[i] = g >= MIN_COMPRESSED_MS && g * SHARE > total && g > 4 * typical;
    }
    double[] widths = widths(ts, compressed, width);
    double[] xs = new double[ts.length];
    xs[0] = x0;
    for (int i = 0; i < n; i++) {
      xs[i + 1] = xs[i] + widths[i];
    }
    return new TimeScale(ts, xs, compressed, x0, x0 + width);
  }

  /** Each gap's width for a linear scale k found by bisection so that they add up to the width. */
  private static double[] widths(long[] ts, boolean[] compressed, double width) {
    int n = compressed.length;
    int gaps = 0;
    int nonzero = 0;
    for (int i = 0; i < n; i++) {
      if (compressed[i]) {
        gaps++;
      } else if (ts[i + 1] > ts[i]) {
        nonzero++;
      }
    }
    double free = width - gaps * GAP_PX;
    double minStep = nonzero == 0 ? 0 : Math.min(MIN_STEP_PX, free / nonzero / 2);
    double lo = 0;
    double hi = 1;
    while (total(ts, compressed, hi, minStep) < free && hi < 1e12) {
      hi *= 2;
    }
    for (int it = 0; it < 64; it++) {
      double mid = (lo + hi) / 2;
      if (total(ts, compressed, mid, minStep) < free) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      long g = ts[i + 1] - ts[i];
      w[i] = compressed[i] ? GAP_PX : g == 0 ? 0 : Math.max(minStep, g * lo);
    }
    return w;
  }

  private static double total(long[] ts, boolean[] compressed, double k, double minStep) {
    double sum = 0;
    for (int i = 0; i < compressed.length; i++) {
      long g = ts[i + 1] - ts[i];
      if (!compressed[i] && g > 0) {
        sum += Math.max(minStep, g * k);
      }
    }
    return sum;
  }

  double x(long t) {
    if (t <= ts[0]) {
      return xs[0];
    }
    if (t >= ts[ts.length - 1]) {
      return xs[xs.length - 1];
    }
    int lo = 0;
    int hi = ts.length - 1;
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      if (ts[mid] <= t) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return xs[lo] + (xs[hi] - xs[lo]) * (t - ts[lo]) / (double) (ts[hi] - ts[lo]);
  }

  long first() {
    return ts[0];
  }

  long last() {
    return ts[ts.length - 1];
  }

  double left() {
    return x0;
  }

  double right() {
    return x1;
  }

  /** The compressed gaps: {from, to} in ms. */
  List<long[]> gaps() {
    List<long[]> g = new ArrayList<>();
    for (int i = 0; i < compressed.length; i++) {
      if (compressed[i]) {
        g.add(new long[] {ts[i], ts[i + 1]});
      }
    }
    return g;
  }

  /** The linear stretches between compressed gaps: {from, to} in ms. */
  List<long[]> stretches() {
    List<long[]> s = new ArrayList<>();
    long from = ts[0];
    for (int i = 0; i < compressed.length; i++) {
      if (compressed[i]) {
        s.add(new long[] {from, ts[i]});
        from = ts[i + 1];
      }
    }
    s.add(new long[] {from, ts[ts.length - 1]});
    return s;
  }

  /** A round tick step in ms for about one label per {@code px} pixels over a stretch. */
  long tickStep(long from, long to, double px) {
    double span = Math.max(1, to - from);
    double pixels = Math.max(1, x(to) - x(from));
    double raw = span * px / pixels;
    long step = 1;
    for (long base = 1; base <= 1_000_000_000L; base *= 10) {
      for (long m : new long[] {1, 2, 5}) {
        step = base * m;
        if (step >= raw) {
          return step;
        }
      }
    }
    return step;
  }

  static String secs(long ms) {
    return String.format(Locale.ROOT, "%.3fs", ms / 1000.0);
  }

  /** A short duration: 450 ms, 2.5 s, 45 s, 3 min 20 s. */
  static String duration(long ms) {
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      String s = String.format(Locale.ROOT, "%.3f", ms / 1000.0).replaceAll("0+$", "").replaceAll("\\.$", "");
      return s + " s";
    }
    return (ms / 60_000) + " min " + (ms % 60_000) / 1000 + " s";
  }

  /** A tick label: whole seconds without decimals, else as many as the step needs. */
  static String tick(long ms, long step) {
    int decimals = step >= 1000 ? 0 : step >= 100 ? 1 : step >= 10 ? 2 : 3;
    return String.format(Locale.ROOT, "%." + decimals + "f s", ms / 1000.0);
  }
}
