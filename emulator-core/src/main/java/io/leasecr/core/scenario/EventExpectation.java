package io.leasecr.core.scenario;

/**
 * An expectation on what happens to a process, wherever it comes from in the run.
 *
 * @param kind SIGNAL: the process got {@code signo}; EXIT: it ended (by {@code signo}, or with
 *     {@code status} if signo is 0)
 * @param atMs null: at any time
 * @param count null: at least once; else exactly this many times (0: never)
 * @param code SIGNAL only, null: any; else the signal's si_code as the trace names it (POLL_MSG, SI_KERNEL, SI_USER)
 * @param fd SIGNAL only, null: any; else its si_fd (-1: none, as for SI_KERNEL and SI_USER)
 */
public record EventExpectation(int line, Kind kind, String proc, int pid, int signo, int status, Long atMs,
    Integer count, String code, Integer fd) {
  public enum Kind {
    SIGNAL,
    EXIT
  }

  public EventExpectation(int line, Kind kind, String proc, int pid, int signo, int status, Long atMs, Integer count) {
    this(line, kind, proc, pid, signo, status, atMs, count, null, null);
  }
}
