package io.leasecr.node.conform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * Waits, before /proc/locks is read, until every call sent to a helper has either returned or is asleep in
 * the kernel (a blocked open, F_SETLKW). Calls are sent without waiting for their answer, because they may
 * block; on a loaded machine a helper may not have run its call yet when /proc/locks is read in the same
 * instant, which would show the state before the call. A helper's main thread waits for commands in
 * recvfrom(2): asleep in any other system call while it has a call pending, it is in that call.
 */
final class CallSettle {

  /** How long to wait at most: a helper that takes longer is reported as it is. */
  private static final long LIMIT_NANOS = TimeUnit.MILLISECONDS.toNanos(2000);

  /** recvfrom's number where it is known; elsewhere -1: wait for answers only, up to the limit. */
  private static final int RECVFROM = switch (System.getProperty("os.arch")) {
    case "amd64", "x86_64" -> 45;
    case "aarch64" -> 207;
    default -> -1;
  };

  private CallSettle() {}

  static void settle(Collection<HelperConnection> helpers) throws InterruptedException {
    long deadline = System.nanoTime() + LIMIT_NANOS;
    for (HelperConnection c : helpers) {
      while (c.busy() && !inCall(c.realPid) && System.nanoTime() < deadline) {
        TimeUnit.MICROSECONDS.sleep(200);
      }
    }
  }

  /** The process's main thread is asleep in a system call other than the one that waits for commands. */
  static boolean inCall(int realPid) {
    if (RECVFROM < 0) {
      return false;
    }
    try {
      String s = Files.readString(Path.of("/proc", String.valueOf(realPid), "syscall")).trim();
      if (s.equals("running") || s.isEmpty()) {
        return false;
      }
      int nr = Integer.parseInt(s.split(" ")[0]);
      return nr >= 0 && nr != RECVFROM;
    } catch (IOException | RuntimeException e) {
      return true; // gone, or not readable: nothing to wait for
    }
  }
}
