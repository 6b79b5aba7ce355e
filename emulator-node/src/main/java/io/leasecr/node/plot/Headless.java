package io.leasecr.node.plot;

/**
 * Drawing into an image needs no display. AWT decides once, when java.awt.Color or the graphics environment
 * is first used, whether it is headless; with an unreachable DISPLAY set it would try to connect to it. So the
 * classes of this package that make colours call {@link #ensure} before they do.
 */
final class Headless {

  private Headless() {}

  static void ensure() {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }
}
