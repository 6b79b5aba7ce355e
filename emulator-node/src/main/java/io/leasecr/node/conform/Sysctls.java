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
 */
public final class Sysctls implements AutoCloseable {
  public static final Path BREAK_TIME = Path.of("/proc/sys/fs/lease-break-time");
  static final Path ENABLE = Path.of("/proc/sys/fs/leases-enable");
  static final Path LOCK = Path.of(System.getProperty("java.io.tmpdir"), "lease-cr-kernel-sysctls.lock");
  /** A run that waits longer than this for the lock goes on without it (and says so). */
  private static final long LOCK_WAIT_MS = java.util.concurrent.TimeUnit.MINUTES.toMillis(10);

  private final String breakTime;
  private final String enable;
  private final java.nio.channels.FileChannel lockFile;
  private final java.nio.channels.FileLock lock;
  private String ours;
  private String oursEnable;

  Sysctls() throws IOException {
    lockFile = java.nio.channels.FileChannel.open(LOCK, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.WRITE);
    lock = takeLock(lockFile);
    breakTime = read(BREAK_TIME);
    enable = read(ENABLE);
  }

  private static java.nio.channels.FileLock takeLock(java.nio.channels.FileChannel ch) throws IOException {
    long until = System.currentTimeMillis() + LOCK_WAIT_MS;
    boolean said = false;
    while (true) {
      java.nio.channels.FileLock l;
      try {
        l = ch.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException e) {
        l = null; // another run in this JVM has it
      }
      if (l != null) {
        return l;
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

  void set(String name, long value) throws IOException {
    Files.writeString(name.equals("fs.lease-break-time") ? BREAK_TIME : ENABLE, value + "\n");
    if (name.equals("fs.lease-break-time")) {
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
    try {
      Files.writeString(BREAK_TIME, breakTime + "\n");
      Files.writeString(ENABLE, enable + "\n");
    } finally {
      if (lock != null) {
        lock.release();
      }
      lockFile.close();
    }
  }
}
