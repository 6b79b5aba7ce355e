package io.leasecr.node.plot;

import java.awt.Color;

/** The look shared by the renderers: sizes in pixels, greys, fonts. */
final class Style {

  static {
    Headless.ensure();
  }

  static final Color BACKGROUND = Color.WHITE;
  static final Color INK = new Color(0x222222);
  static final Color GRID = new Color(0xE4E4E4);
  static final Color FRAME = new Color(0x9A9A9A);
  static final Color ZERO = new Color(0x6E6E6E);
  static final Color FAINT = new Color(0x8A8A8A);

  static final TextStyle TITLE = new TextStyle(17, true, INK, Anchor.MIDDLE);
  static final TextStyle PANEL_TITLE = new TextStyle(13, true, INK, Anchor.MIDDLE);
  static final TextStyle AXIS_LABEL = new TextStyle(13, false, INK, Anchor.MIDDLE);
  static final TextStyle TICK = new TextStyle(11, false, new Color(0x444444), Anchor.MIDDLE);
  static final TextStyle LEGEND = new TextStyle(12, false, INK, Anchor.START);
  static final TextStyle NOTE = new TextStyle(12, false, FAINT, Anchor.MIDDLE);

  static final double PAD = 14;
  static final double TITLE_BLOCK = 30;
  static final double LABEL_BLOCK = 22;
  static final double PANEL_TITLE_BLOCK = 24;
  static final double X_TICK_BLOCK = 22;
  static final double GAP = 14;
  /** Data stay this far inside the frame, so that markers at the ends are whole. */
  static final double INSET = 7;
  static final double LINE_WIDTH = 2;
  static final double MARKER = 3.3;

  private Style() {}
}
