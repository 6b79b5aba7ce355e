package io.leasecr.core.process;

/**
 * What a process's signal handler does, scripted: after {@code delayMs} (plus seeded jitter up to
 * {@code jitterMs}) it releases or downgrades its lease, closes the file, or does nothing.
 *
 * @param fd the fd to act on; -1 means si_fd if the signal carries one, else the process's first
 *     fd holding a lease (what a program that took the lease would remember)
 */
public record Reaction(int signo, Action action, long delayMs, long jitterMs, int fd) {
  public enum Action {
    RELEASE,
    DOWNGRADE,
    CLOSE,
    NOTHING
  }
}
