package io.leasecr.node.plot;

import java.util.ArrayList;
import java.util.List;

/** A range with its labelled ticks (and, on a log axis, unlabelled minor ticks); min < max always. */
record Axis(double min, double max, boolean log, double[] ticks, List<String> labels, double[] minor) {

  /** Where v falls, 0 at min and 1 at max. */
  double fraction(double v) {
    return log
        ? (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))
        : (v - min) / (max - min);
  }

  /** Whether v can be placed on this axis. */
  boolean accepts(double v) {
    return usable(v) && (!log || v > 0);
  }

  /** Finite and within ±1e300: beyond, the difference of two values could overflow, so they count as missing. */
  static boolean usable(double v) {
    return Math.abs(v) <= 1e300;
  }

  double widestLabel(TextStyle style) {
    return labels.stream().mapToDouble(l -> TextWidth.of(l, style)).max().orElse(0);
  }

  /**
   * The data's range [lo, hi] with ticks inside it at multiples of 1, 2 or 5 times a power of ten, about
   * target of them and at least 2; the range is not widened to the ticks, which would waste up to a step at
   * each end. NaN bounds (no data) give 0..1, equal ones a range around the value.
   */
  static Axis linear(double lo, double hi, int target) {
    if (!(lo <= hi)) {
      lo = 0;
      hi = 1;
    } else if (hi - lo <= Math.max(Math.abs(lo), Math.abs(hi)) * 1e-9) {
      double v = (lo + hi) / 2;
      lo = v == 0 ? 0 : v - Math.abs(v) * 0.1;
      hi = v == 0 ? 1 : v + Math.abs(v) * 0.1;
    }
    double step = niceStep((hi - lo) / Math.max(1, target));
    while (Math.floor(hi / step + 1e-9) - Math.ceil(lo / step - 1e-9) < 1) {
      step = smaller(step);
    }
    double first = Math.ceil(lo / step - 1e-9);
    int n = (int) (Math.floor(hi / step + 1e-9) - first) + 1;
    double[] ticks = new double[n];
    for (int i = 0; i < n; i++) {
      double t = (first + i) * step;
      ticks[i] = Math.abs(t) < step * 1e-9 ? 0 : t;
    }
    return new Axis(lo, hi, false, ticks, TickLabels.linear(ticks, step), new double[0]);
  }

  /**
   * Powers of ten from the decade at or below lo to the one at or above hi, every k-th labelled so that at
   * most maxLabels are; minor ticks at 2..9 times each decade when every decade is labelled. NaN bounds (no
   * positive data) give 1..10.
   */
  static Axis log(double lo, double hi, int maxLabels) {
    if (!(lo <= hi) || lo <= 0) {
      lo = 1;
      hi = 10;
    }
    int a = (int) Math.floor(Math.log10(lo));
    int b = (int) Math.ceil(Math.log10(hi));
    if (a == b) {
      a--;
      b++;
    }
    int every = Math.max(1, (int) Math.ceil((b - a) / (double) Math.max(1, maxLabels - 1)));
    List<Double> ticks = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    List<Double> minor = new ArrayList<>();
    for (int e = a; e <= b; e++) {
      if ((e - a) % every == 0) {
        ticks.add(Math.pow(10, e));
        labels.add(TickLabels.decade(e));
      } else {
        minor.add(Math.pow(10, e));
      }
      for (int m = 2; m <= 9 && every == 1 && e < b; m++) {
        minor.add(m * Math.pow(10, e));
      }
    }
    return new Axis(Math.pow(10, a), Math.pow(10, b), true, unbox(ticks), List.copyOf(labels), unbox(minor));
  }

  private static double niceStep(double raw) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double n = raw / magnitude;
    return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * magnitude;
  }

  /** The next nice step down: 10 to 5, 5 to 2, 2 to 1. */
  private static double smaller(double step) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(step)));
    long n = Math.round(step / magnitude);
    return (n == 1 ? 0.5 : n == 2 ? 1 : 2) * magnitude;
  }

  private static double[] unbox(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
