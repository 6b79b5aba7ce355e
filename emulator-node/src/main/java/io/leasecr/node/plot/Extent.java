package io.leasecr.node.plot;

import java.util.List;

/**
 * The data's bounds over all panels: x over every point that has a place on the x axis (missing y or not, so
 * the grid sets the range), y over the points drawn. NaN bounds when there is nothing.
 */
record Extent(double xLow, double xHigh, double yLow, double yHigh) {

  static Extent of(List<Panel> panels, boolean logX) {
    double xLow = Double.POSITIVE_INFINITY;
    double xHigh = Double.NEGATIVE_INFINITY;
    double yLow = Double.POSITIVE_INFINITY;
    double yHigh = Double.NEGATIVE_INFINITY;
    for (Panel p : panels) {
      for (Series s : p.series()) {
        double[] xs = s.x();
        double[] ys = s.y();
        for (int i = 0; i < xs.length; i++) {
          if (!Axis.usable(xs[i]) || (logX && xs[i] <= 0)) {
            continue;
          }
          xLow = Math.min(xLow, xs[i]);
          xHigh = Math.max(xHigh, xs[i]);
          if (Axis.usable(ys[i])) {
            yLow = Math.min(yLow, ys[i]);
            yHigh = Math.max(yHigh, ys[i]);
          }
        }
      }
    }
    return new Extent(bound(xLow), bound(xHigh), bound(yLow), bound(yHigh));
  }

  private static double bound(double v) {
    return Double.isInfinite(v) ? Double.NaN : v;
  }
}
