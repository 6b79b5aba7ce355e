package io.leasecr.node.plot;

import java.util.Objects;

/**
 * One line of a panel: y against x, point by point. A y that is NaN (or infinite, or beyond ±1e300) is a
 * missing point and breaks the line; a point whose x is so, or not positive on a log x axis, is not drawn.
 * Points are drawn in order of x. The arrays are copied in and out.
 */
public record Series(String name, double[] x, double[] y) {

  public Series {
    Objects.requireNonNull(name, "name");
    if (x.length != y.length) {
      throw new IllegalArgumentException("series " + name + ": " + x.length + " x values but " + y.length + " y values");
    }
    x = x.clone();
    y = y.clone();
  }

  @Override
  public double[] x() {
    return x.clone();
  }

  @Override
  public double[] y() {
    return y.clone();
  }
}
