package io.leasecr.node.plot;

import java.awt.Color;

/** What the renderer draws with; coordinates in pixels, y down. A null colour draws nothing there. */
interface Canvas {

  void line(double x1, double y1, double x2, double y2, Color colour, double width);

  void polyline(double[] xs, double[] ys, Color colour, double width);

  /** A circle filled with fill and outlined 1 pixel wide with outline. */
  void circle(double cx, double cy, double r, Color fill, Color outline);

  /** Text whose baseline starts, centres or ends at (x, y), turned by degrees clockwise around (x, y). */
  void text(double x, double y, String text, TextStyle style, double degrees);

  void rect(double x, double y, double w, double h, Color fill, Color outline);

  /** Marks what follows as one part of the figure (a panel, a series) where the format can say so. */
  default void begin(String kind, String name) {}

  default void end() {}
}
