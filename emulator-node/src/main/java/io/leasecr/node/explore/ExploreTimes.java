package io.leasecr.node.explore;

/** Times on the explore command line: 5s, 1.5s, 250ms. */
public final class ExploreTimes {

  private ExploreTimes() {}

  public static long millis(String text) {
    try {
      long v = BaseScenario.millis(text);
      if (v < 0) {
        throw new IllegalArgumentException("a time must not be negative, got '" + text + "'");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("a time like 5s or 250ms is needed, got '" + text + "'");
    }
  }
}
