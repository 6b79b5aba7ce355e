package io.leasecr.node.plot;

import java.util.List;
import java.util.Objects;

/**
 * Panels laid out in a grid (up to 3 columns) that share the x range and the y range, so that they compare;
 * one legend for the whole figure.
 */
public record Figure(String title, String xLabel, String yLabel, boolean logX, List<Panel> panels) {

  public Figure {
    title = Objects.requireNonNullElse(title, "");
    xLabel = Objects.requireNonNullElse(xLabel, "");
    yLabel = Objects.requireNonNullElse(yLabel, "");
    panels = List.copyOf(panels);
  }
}
