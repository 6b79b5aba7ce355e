package io.leasecr.core.scenario;

/**
 * An expectation on what happens to a process, wherever it comes from in the run.
 *
 * @param kind SIGNAL: the process got {@code signo}; EXIT: it ended (by {@code signo}, or with
 *     {@code status} if signo is 0)
 * @param atMs null: at any time
 * @param count null: at least once; else exactly this many times (0: never)
 */
public record EventExpectation(int line, Kind kind, String proc, int pid, int signo, int status, Long atMs,
    Integer count) {
  public enum Kind {
    SIGNAL,
    EXIT
  }
}
