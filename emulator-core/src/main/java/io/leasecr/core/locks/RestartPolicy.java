package io.leasecr.core.locks;

import io.leasecr.core.input.Durations;
import io.leasecr.core.input.Texts;

/**
 * How much of its break the holder gets after a restart (the seed's open question): the remaining
 * time stored in the checkpoint (default), the whole lease-break-time again (favour the holder, as
 * Jamie Lokier suggested), none (favour the breaker), or the remaining time plus a fixed delta.
 */
public record RestartPolicy(Kind kind, long deltaMs) {

  public enum Kind {
    REMAINING,
    FAVOR_HOLDER,
    FAVOR_BREAKER,
    DELTA
  }

  public static final RestartPolicy REMAINING = new RestartPolicy(Kind.REMAINING, 0);

  /** Time the holder gets from the restart's beginning; -1 means no deadline. */
  public long timeLeft(long remainingMs, long leaseBreakTimeSeconds) {
    if (remainingMs < 0) {
      return -1;
    }
    return switch (kind) {
      case REMAINING -> remainingMs;
      case FAVOR_HOLDER -> leaseBreakTimeSeconds > 0 ? leaseBreakTimeSeconds * 1000 : -1;
      case FAVOR_BREAKER -> 0;
      case DELTA -> Math.max(0, Durations.saturatedAdd(remainingMs, deltaMs));
    };
  }

  /** remaining, favor-holder, favor-breaker, delta:+5s, delta:-1500ms (times as {@link Durations}). */
  public static RestartPolicy parse(String text) {
    String t = text.trim();
    switch (t) {
      case "remaining":
        return REMAINING;
      case "favor-holder":
        return new RestartPolicy(Kind.FAVOR_HOLDER, 0);
      case "favor-breaker":
        return new RestartPolicy(Kind.FAVOR_BREAKER, 0);
      default:
        if (t.startsWith("delta:")) {
          try {
            return new RestartPolicy(Kind.DELTA, Durations.parseSigned(t.substring(6)));
          } catch (Durations.BadDuration e) {
            throw new IllegalArgumentException("restart policy delta: " + e.getMessage());
          }
        }
        throw new IllegalArgumentException("restart policy must be remaining, favor-holder, favor-breaker or "
            + "delta:+Ns / delta:-Ns, got " + Texts.quote(text));
    }
  }

  @Override
  public String toString() {
    return switch (kind) {
      case REMAINING -> "remaining";
      case FAVOR_HOLDER -> "favor-holder";
      case FAVOR_BREAKER -> "favor-breaker";
      case DELTA -> "delta:" + (deltaMs >= 0 ? "+" : "-") + Math.abs(deltaMs) + "ms";
    };
  }
}
