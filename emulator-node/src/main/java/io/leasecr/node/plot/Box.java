package io.leasecr.node.plot;

/** A panel's plotting area in pixels. */
record Box(double x, double y, double w, double h) {

  double right() {
    return x + w;
  }

  double bottom() {
    return y + h;
  }
}
