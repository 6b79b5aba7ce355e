package io.leasecr.node.conform;

import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.Step;
import java.util.ArrayList;
import java.util.List;

/**
 * How a scenario's emulated time maps to the real kernel's: real = emulated × factor. The kernel's
 * fs.lease-break-time is whole seconds, so the factor makes every break time the scenario uses a
 * whole number of real seconds, the longest at most 2 s (short runs, and the kernel's timer slack stays
 * at one timer-wheel level: at most 8 jiffies).
 *
 * @param factor real seconds per emulated second
 * @param toleranceMs how far (in emulated ms) a kernel event may be from the emulator's and still agree
 */
public record TimeScale(double factor, long toleranceMs) {

  /** Kernel timer-wheel granularity for a sleep of this many real seconds, at HZ=250, plus scheduling. */
  private static long slackMillis(long realSeconds) {
    long jiffies = realSeconds * 250;
    long granularity = jiffies < 64 ? 1 : jiffies < 512 ? 8 : jiffies < 4096 ? 64 : 512;
    return granularity * 4 + 25;
  }

  public static TimeScale of(Scenario s) {
    return of(s, 2);
  }

  /**
   * As {@link #of(Scenario)}, the longest break lasting at most {@code longestRealSeconds} if it can: CRIU's
   * dump and restore take a fraction of a real second, and the restored processes run again a little after it.
   */
  public static TimeScale of(Scenario s, long longestRealSeconds) {
    List<Long> times = new ArrayList<>();
    times.add(s.sysctl("fs.lease-break-time"));
    for (Step st : s.steps()) {
      if (st.action() instanceof Step.SetSysctl sc && sc.name().equals("fs.lease-break-time")) {
        times.add(sc.value());
      }
    }
    long g = 0;
    long max = 0;
    for (long t : times) {
      if (t > 0) {
        g = gcd(g, t);
        max = Math.max(max, t);
      }
    }
    if (g == 0) {
      double f = longestRealSeconds / 40.0; // no deadlines: 20x faster for conform's 2 s
      return new TimeScale(f, Math.round(slackMillis(0) / f));
    }
    long r = Math.max(1, (longestRealSeconds * g) / max); // the longest break lasts at most so many real seconds
    double factor = (double) r / g;
    return new TimeScale(factor, Math.round(slackMillis(max * r / g) / factor));
  }

  /** The real-kernel value of a lease-break-time the scenario uses (a whole number by construction). */
  public long realBreakTime(long emulatedSeconds) {
    return Math.round(emulatedSeconds * factor);
  }

  public long realNanos(long emulatedMillis) {
    return Math.round(emulatedMillis * factor * 1_000_000);
  }

  public long emulatedMillis(long realNanos) {
    return Math.round(realNanos / 1_000_000.0 / factor);
  }

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }
}
