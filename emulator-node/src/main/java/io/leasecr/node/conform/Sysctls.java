package io.leasecr.node.conform;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The two lease sysctls of the real kernel; what a run changes is always put back. They are machine-wide, so a
 * kernel-side run holds a machine-wide lock while it has them ({@link #LOCK}, an fcntl lock on a file in the temp
 * directory): two conformance or fuzz runs on one machine take turns instead of changing the sysctls under each
 * other (measured on the shared machine: 15 of 30 fuzz programs and 4 of 600 conform runs failed so before), and
 * the one that ends last no longer "puts back" the other's value.
 *
 * <p>Within one JVM (emulator fuzz and conform with --jobs) runs that want the same values and change none during
 * the run share one turn: the first sets the values under the machine-wide lock, the last puts them back and lets
 * the lock go. A run whose scenario changes a sysctl (a sysctl step) or dumps processes (CRIU) has its turn alone.
 * Turns are given in the order they were asked for, so a run wanting other values waits for the current group
 * to end and no group can starve it. A JVM waiting for the machine-wide lock says so: it holds an fcntl lock on
 * {@link #WAITING} while it waits. Only then does a turn take no new runs after {@value #TURN_MS} ms and, once it has
 * ended, wait {@value #PAUSE_MS} ms before taking the lock again, so that the other JVM (it tries every 100 ms) gets
 * its turn instead of waiting while our jobs overlap without end. With nobody waiting a turn goes on: ending it
 * would only make every job wait for the slowest program of the turn.
 */
public final class Sysctls implements AutoCloseable {
  public static final Path BREAK_TIME = Path.of("/proc/sys/fs/lease-break-time");
  static final Path ENABLE = Path.of("/proc/sys/fs/leases-enable");
  static final Path LOCK = Path.of(System.getProperty("java.io.tmpdir"), "lease-cr-kernel-sysctls.lock");
  /** Locked by a JVM while it waits for {@link #LOCK}: the JVM whose turn it is lets it go soon. */
  static final Path WAITING = Path.of(System.getProperty("java.io.tmpdir"), "lease-cr-kernel-sysctls.waiting");
  /** A run that waits longer than this for the lock goes on without it (and says so). */
  private static final long LOCK_WAIT_MS = java.util.concurrent.TimeUnit.MINUTES.toMillis(10);
  static final long TURN_MS = 15_000;
  static final long PAUSE_MS = 300;

  /** What a run needs: the two values, and whether it changes them during the run (then it runs alone). */
  record Want(long breakTime, long enable, boolean alone) {}

  /** The JVM's turn on the machine-wide sysctls: who has it, with which values, and who waits. */
  private static final class Gate {
    private final java.util.ArrayDeque<Want> queue = new java.util.ArrayDeque<>();
    private int holders;
    private Want current;
    private java.nio.channels.FileChannel lockFile;
    private java.nio.channels.FileLock lock;
    private String breakTime;
    private String enable;
    private long turnStarted;
    private long pauseUntil;

    private boolean mayEnter(Want w, long now) {
      if (queue.peek() != w) {
        return false;
      }
      if (holders == 0) {
        return now >= pauseUntil;
      }
      return !current.alone() && !w.alone() && sameValues(current, w)
          && (now - turnStarted < TURN_MS || !othersWaiting(WAITING));
    }

    synchronized void enter(Want w) throws IOException {
      queue.add(w);
      try {
        long now;
        while (!mayEnter(w, now = System.currentTimeMillis())) {
          wait(holders == 0 && pauseUntil > now ? pauseUntil - now : 1000);
        }
      } catch (InterruptedException e) {
        queue.remove(w);
        notifyAll();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the lease sysctls", e);
      }
      queue.poll();
      try {
        if (holders == 0) {
          lockFile = java.nio.channels.FileChannel.open(LOCK, java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.WRITE);
          lock = takeLock(lockFile, WAITING);
          breakTime = read(BREAK_TIME);
          enable = read(ENABLE);
          current = w;
          turnStarted = System.currentTimeMillis();
          Files.writeString(BREAK_TIME, w.breakTime() + "\n");
          Files.writeString(ENABLE, w.enable() + "\n");
        }
        holders++;
      } finally {
        notifyAll(); // the next in the queue may share this turn
      }
    }

    private static boolean sameValues(Want a, Want b) {
      return a.breakTime() == b.breakTime() && a.enable() == b.enable();
    }

    synchronized void leave() throws IOException {
      holders--;
      try {
        if (holders == 0) {
          try {
            Files.writeString(BREAK_TIME, breakTime + "\n");
            Files.writeString(ENABLE, enable + "\n");
          } finally {
            if (lock != null) {
              lock.release();
            }
            lockFile.close();
            lock = null;
            current = null;
            long now = System.currentTimeMillis();
            pauseUntil = now - turnStarted >= TURN_MS && othersWaiting(WAITING) ? now + PAUSE_MS : 0;
          }
        }
      } finally {
        notifyAll();
      }
    }
  }

  private static final Gate GATE = new Gate();

  private final Want want;
  private String ours;
  private String oursEnable;

  /** Takes the run's turn: blocks while runs wanting other values (or running alone) have theirs. */
  Sysctls(Want want) throws IOException {
    this.want = want;
    GATE.enter(want);
    ours = String.valueOf(want.breakTime());
    oursEnable = String.valueOf(want.enable());
  }

  /**
   * The machine-wide lock on {@code ch}'s file, tried every 100 ms for up to 10 minutes (then null: the run goes on
   * without it, and says so); while it waits, {@code waiting} is locked too, which tells the holder.
   */
  static java.nio.channels.FileLock takeLock(java.nio.channels.FileChannel ch, Path waiting) throws IOException {
    long until = System.currentTimeMillis() + LOCK_WAIT_MS;
    boolean said = false;
    java.nio.channels.FileChannel flag = null;
    java.nio.channels.FileLock raised = null;
    try {
      while (true) {
        java.nio.channels.FileLock l = tryLock(ch); // null also if this JVM has it: the gate takes it once per JVM
        if (l != null) {
          return l;
        }
        if (raised == null) {
          // another waiter may have the flag up already: it says as much for both; tried again each round
          if (flag == null) {
            flag = java.nio.channels.FileChannel.open(waiting, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE);
          }
          raised = tryLock(flag);
        }
        if (!said) {
          System.err.println("emulator: another kernel-side run on this machine has the lease sysctls (" + LOCK
              + "); waiting for it");
          said = true;
        }
        if (System.currentTimeMillis() > until) {
          System.err.println("emulator: still waiting for " + LOCK + " after 10 minutes; going on without it");
          return null;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for " + LOCK, e);
        }
      }
    } finally {
      if (raised != null) {
        raised.release();
      }
      if (flag != null) {
        flag.close();
      }
    }
  }

  private static java.nio.channels.FileLock tryLock(java.nio.channels.FileChannel ch) throws IOException {
    try {
      return ch.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      return null; // this JVM has it (another thread's wait, or its turn)
    }
  }

  /**
   * Whether another process holds {@code waiting}'s lock, i.e. waits for the sysctls. A lock this JVM holds
   * does not count (fcntl locks are per process: a thread of ours waiting is not another JVM).
   */
  static boolean othersWaiting(Path waiting) {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(waiting,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.channels.FileLock l = ch.tryLock();
      if (l == null) {
        return true;
      }
      l.release();
      return false;
    } catch (java.nio.channels.OverlappingFileLockException e) {
      return false;
    } catch (IOException e) {
      return true; // cannot tell: end the turn as before the flag existed
    }
  }

  /**
   * A /proc file reports size 0, and Files.readString then read only "4" of "45" here: read to EOF
   * through a stream instead.
   */
  public static String read(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
    }
  }

  /**
   * The value of a sysctl when no kernel-side run on this machine has the sysctls (read under the machine-wide
   * lock): what they are put back to. A plain read may see another JVM's scaled value in the middle of its run.
   */
  public static String readSettled(Path p) throws IOException {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(LOCK,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.channels.FileLock l = takeLock(ch, WAITING);
      try {
        return read(p);
      } finally {
        if (l != null) {
          l.release();
        }
      }
    }
  }

  /** A sysctl step: only a run that has its turn alone changes the values during the run. */
  void set(String name, long value) throws IOException {
    boolean breakTime = name.equals("fs.lease-break-time");
    if (value == (breakTime ? want.breakTime() : want.enable()) && ours.equals(String.valueOf(want.breakTime()))
        && oursEnable.equals(String.valueOf(want.enable())) && !want.alone()) {
      return; // the turn's values, set when it began
    }
    if (!want.alone()) {
      throw new IllegalStateException("a run that shares its turn on the sysctls cannot change " + name);
    }
    Files.writeString(breakTime ? BREAK_TIME : ENABLE, value + "\n");
    if (breakTime) {
      ours = String.valueOf(value);
    } else {
      oursEnable = String.valueOf(value);
    }
  }

  /**
   * Whether the sysctls still hold what this run set: they are machine-wide, and another conformance run (another
   * JVM, another user of the machine) may set them in the middle of ours. Null if they do, else what changed.
   */
  String disturbed() {
    try {
      String b = read(BREAK_TIME);
      String e = read(ENABLE);
      if (ours != null && !ours.equals(b)) {
        return "fs.lease-break-time was changed to " + b + " by someone else during the run (this run set " + ours + ")";
      }
      if (oursEnable != null && !oursEnable.equals(e)) {
        return "fs.leases-enable was changed to " + e + " by someone else during the run (this run set " + oursEnable + ")";
      }
      return null;
    } catch (IOException ex) {
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    GATE.leave();
  }
}
