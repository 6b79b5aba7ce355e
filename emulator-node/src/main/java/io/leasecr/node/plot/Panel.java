package io.leasecr.node.plot;

import java.util.List;
import java.util.Objects;

/** One small multiple: its own title, its series; the axes' ranges are the figure's. */
public record Panel(String title, List<Series> series) {

  public Panel {
    title = Objects.requireNonNullElse(title, "");
    series = List.copyOf(series);
  }
}
