package io.leasecr.node.plot;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Tick label text: as few decimals as the step needs; k, M, G, T for ten thousand and up. */
final class TickLabels {

  private static final String[] SUFFIX = {"", "k", "M", "G", "T", "P", "E"};

  private TickLabels() {}

  static List<String> linear(double[] ticks, double step) {
    double largest = 0;
    for (double t : ticks) {
      largest = Math.max(largest, Math.abs(t));
    }
    int power = 0;
    if (largest >= 1e4) {
      power = Math.min(SUFFIX.length - 1, (int) Math.floor(Math.log10(largest) / 3));
    }
    double unit = Math.pow(1000, power);
    int decimals = Math.max(0, Math.min(12, (int) Math.ceil(-Math.log10(step / unit) - 1e-9)));
    List<String> labels = new ArrayList<>(ticks.length);
    for (double t : ticks) {
      String s = String.format(Locale.ROOT, "%." + decimals + "f", t / unit);
      labels.add((s.matches("-0(\\.0*)?") ? s.substring(1) : s) + (t == 0 ? "" : SUFFIX[power]));
    }
    return labels;
  }

  /** 10^e: 1, 10, 100, 1k, 10k, 100k, 1M ... and 0.1, 0.01 ... 0.0001, then 1e-5. */
  static String decade(int e) {
    if (e >= 0 && e / 3 < SUFFIX.length) {
      return BigDecimal.TEN.pow(e % 3).toPlainString() + SUFFIX[e / 3];
    }
    if (e >= -4 && e < 0) {
      return BigDecimal.ONE.movePointLeft(-e).toPlainString();
    }
    return "1e" + e;
  }
}
