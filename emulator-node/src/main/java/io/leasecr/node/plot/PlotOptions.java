package io.leasecr.node.plot;

import java.util.Objects;

/** Size in pixels (0 by 0: chosen from the panel count) and the series colours. */
public record PlotOptions(int width, int height, Palette palette) {

  public static final PlotOptions DEFAULT = new PlotOptions(0, 0, Palette.firstAppearance());

  public PlotOptions {
    Objects.requireNonNull(palette, "palette");
    boolean auto = width == 0 && height == 0;
    if (!auto && (width < 100 || height < 100 || width > 20_000 || height > 20_000)) {
      throw new IllegalArgumentException("plot size " + width + "x" + height + " (0x0 for automatic, else 100..20000)");
    }
  }

  public PlotOptions withSize(int width, int height) {
    return new PlotOptions(width, height, palette);
  }

  public PlotOptions withPalette(Palette palette) {
    return new PlotOptions(width, height, palette);
  }
}
