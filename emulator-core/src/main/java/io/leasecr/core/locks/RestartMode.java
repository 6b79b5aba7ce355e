package io.leasecr.core.locks;

/**
 * What a restart does with a lease that was being broken at the checkpoint.
 *
 * <ul>
 *   <li>{@link #SEED}: the seed patch. The lease goes back to its holder with its type before the break
 *       (fl_type_prev); the break resumes only if a restored breaker retries its open, else the holder
 *       keeps the lease (the seed's point 4) and a new breaker waits a whole lease-break-time.
 *   <li>{@link #CRIU}: what CRIU 4.2 does: the lease is taken again as F_WRLCK (its guess for any regular
 *       file) and re-broken with an O_NONBLOCK open, a fresh, full break that signals the holder again.
 *   <li>{@link #KEEP_BREAK}: the break itself is restored: target type, fl_type_prev, fl_break_notified
 *       and a deadline from the remaining time under the policy, whether or not a breaker comes back. A
 *       holder already signalled is not signalled again; one that was not (checkpointed between the
 *       break's start and the signal's delivery) is signalled once, at the restore.
 * </ul>
 */
public enum RestartMode {
  SEED("seed"),
  CRIU("criu"),
  KEEP_BREAK("keep-break");

  private final String word;

  RestartMode(String word) {
    this.word = word;
  }

  /** seed, criu or keep-break. */
  public static RestartMode parse(String text) {
    for (RestartMode m : values()) {
      if (m.word.equals(text.trim())) {
        return m;
      }
    }
    throw new IllegalArgumentException("restart mode must be seed, criu or keep-break, got '" + text + "'");
  }

  /** true: the flag of the messages that knew only seed and criu. */
  public static RestartMode of(boolean criu) {
    return criu ? CRIU : SEED;
  }

  @Override
  public String toString() {
    return word;
  }
}
