package io.leasecr.core.input;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of every file and option (scenario, experiment and drill files, {@code image
 * edit --remaining/--add}, restart policies {@code delta:+5s}): a decimal number and a unit, {@code ms},
 * {@code s}, {@code m} or {@code h}, seconds when bare: {@code 45s}, {@code 1.5s}, {@code 250ms},
 * {@code 2m}, {@code 45}. Results are whole milliseconds (half a millisecond rounds up) and never leave
 * [-{@link #MAX_MS}, {@link #MAX_MS}]: the emulated clock counts nanoseconds in a long (292 years), so
 * a few such times added together can never overflow it.
 */
public final class Durations {

  /** The longest emulated time a file or option may give: 10^12 ms, about 31.7 years. */
  public static final long MAX_MS = 1_000_000_000_000L;

  /** Longer texts are refused unread: no number of this many characters is a sensible duration. */
  private static final int MAX_TEXT = 40;

  private static final Pattern SYNTAX =
      Pattern.compile("([+-]?)((?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:e[+-]?\\d+)?)\\s*(ms|s|m|h)?");

  private Durations() {}

  /** A duration that is not in the syntax or not in the range asked for. */
  public static final class BadDuration extends IllegalArgumentException {
    private final boolean outOfRange;

    public BadDuration(String message, boolean outOfRange) {
      super(message);
      this.outOfRange = outOfRange;
    }

    /** The text is a time, but outside the range asked for (else it is no time at all). */
    public boolean outOfRange() {
      return outOfRange;
    }
  }

  /** A duration of 0 to {@link #MAX_MS}. */
  public static long parse(String text) {
    return parse(text, 0, MAX_MS);
  }

  /** A duration within [minMs, maxMs] (both inside [-MAX_MS, MAX_MS]); the message says the range. */
  public static long parse(String text, long minMs, long maxMs) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    Matcher m = t.length() <= MAX_TEXT ? SYNTAX.matcher(t) : null;
    if (m == null || !m.matches()) {
      throw new BadDuration("a time like 45s, 1.5s, 250ms or 2m is needed, got " + Texts.quote(text), false);
    }
    BigDecimal ms = new BigDecimal(m.group(2)).multiply(BigDecimal.valueOf(switch (m.group(3) == null ? "s" : m.group(3)) {
      case "ms" -> 1L;
      case "m" -> 60_000L;
      case "h" -> 3_600_000L;
      default -> 1000L;
    }));
    if (m.group(1).equals("-")) {
      ms = ms.negate();
    }
    if (ms.compareTo(BigDecimal.valueOf(minMs)) < 0 || ms.compareTo(BigDecimal.valueOf(maxMs)) > 0) {
      throw new BadDuration(Texts.quote(text) + " is out of range: a time from " + format(minMs) + " to "
          + format(maxMs) + " is needed", true);
    }
    return ms.add(new BigDecimal("0.5")).setScale(0, RoundingMode.FLOOR).longValueExact(); // as Math.round
  }

  /** A signed change, +T or -T (the sign is required), of at most {@link #MAX_MS} either way. */
  public static long parseSigned(String text) {
    String t = text == null ? "" : text.trim();
    if (!t.startsWith("+") && !t.startsWith("-")) {
      throw new BadDuration("a signed time like +5s or -2s is needed, got " + Texts.quote(text), false);
    }
    return parse(t, -MAX_MS, MAX_MS);
  }

  /** 250ms, 45s, 1.5s: the shortest exact form of a number of milliseconds. */
  public static String format(long ms) {
    if (ms % 1000 != 0) {
      return ms + "ms";
    }
    return ms / 1000 + "s";
  }

  /** a + b, held at Long.MIN_VALUE/MAX_VALUE rather than wrapping round (for deadlines far away). */
  public static long saturatedAdd(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }

  /** Emulated seconds per wall second for --time real: 0.01 to 1000 (outside, a run would never end or skip every timer). */
  public static final double MIN_SCALE = 0.01;
  public static final double MAX_SCALE = 1000;

  /** The scale in {@code text}, or a message naming the range. */
  public static double scale(String text) {
    String t = text == null ? "" : text.trim();
    double v;
    try {
      v = t.length() <= MAX_TEXT ? Double.parseDouble(t) : Double.NaN;
    } catch (NumberFormatException e) {
      v = Double.NaN;
    }
    return checkScale(v, text);
  }

  public static double checkScale(double v, String text) {
    if (!(v >= MIN_SCALE && v <= MAX_SCALE)) {
      throw new BadDuration("the time scale must be a number from " + MIN_SCALE + " to " + (long) MAX_SCALE
          + " (emulated seconds per wall second), got " + Texts.quote(text), true);
    }
    return v;
  }
}
