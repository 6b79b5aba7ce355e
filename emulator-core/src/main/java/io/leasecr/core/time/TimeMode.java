package io.leasecr.core.time;

import com.typesafe.config.Config;
import java.util.Locale;

/** How emulated time relates to the wall clock. */
public enum TimeMode {
  /** Time jumps to the next timer as soon as there is nothing else to do: deterministic, fast. */
  VIRTUAL,
  /** Time follows the wall clock, multiplied by {@code lease-cr.time.scale}: for multi-node drills. */
  REAL;

  static TimeMode fromConfig(Config config) {
    String value = config.getString("lease-cr.time.mode");
    try {
      return valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "lease-cr.time.mode must be 'virtual' or 'real', got '" + value + "'", e);
    }
  }
}
