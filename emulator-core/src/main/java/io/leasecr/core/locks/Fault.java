package io.leasecr.core.locks;

import java.util.Locale;

/**
 * Deliberately wrong rules, switched on only by configuration ({@code lease-cr.kernel.inject-faults}),
 * to show that the conformance check catches an emulator that disagrees with the kernel.
 */
public enum Fault {
  /** Later openers signal the holder again (the kernel signals each lease once per break). */
  RESIGNAL_LATER_OPENERS,
  /** A break lasts a fifth longer than fs.lease-break-time (a timing bug the comparison must catch). */
  LATE_DEADLINE;

  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Fault parse(String name) {
    return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
  }
}
