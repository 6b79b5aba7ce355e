package io.leasecr.node.conform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The machine-wide turn on the lease sysctls between JVMs: a JVM waiting for the lock raises the waiting flag,
 * and the JVM whose turn it is sees the flag of another process (not its own). fcntl locks are per process, so
 * the other JVM is a child process ({@link Child}), no sysctl is touched.
 */
class SysctlsTest {

  @TempDir
  Path dir;

  @Test
  void anotherProcessHoldingTheFlagIsWaitingAndNobodyElseIs() throws Exception {
    Path waiting = dir.resolve("waiting");
    assertThat(Sysctls.othersWaiting(waiting)).as("nobody holds the flag").isFalse();
    Process holder = child("hold", waiting);
    try {
      assertThat(Sysctls.othersWaiting(waiting)).as("a child process holds the flag").isTrue();
    } finally {
      stop(holder);
    }
    assertThat(Sysctls.othersWaiting(waiting)).as("the child has exited").isFalse();
    try (FileChannel ch = FileChannel.open(waiting, StandardOpenOption.WRITE); FileLock ours = ch.lock()) {
      assertThat(Sysctls.othersWaiting(waiting)).as("this JVM's own flag is not another JVM waiting").isFalse();
    }
  }

  @Test
  void aJvmWaitingForTheLockRaisesTheFlagAndLowersItOnceItHasTheLock() throws Exception {
    Path lock = dir.resolve("lock");
    Path waiting = dir.resolve("waiting");
    Process holder = child("hold", lock);
    CompletableFuture<Boolean> taken;
    try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      taken = CompletableFuture.supplyAsync(() -> {
        try {
          FileLock l = Sysctls.takeLock(ch, waiting);
          boolean got = l != null;
          if (l != null) {
            l.release();
          }
          return got;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      try {
        assertThat(probeUntil(waiting, "locked", 10_000)).as("the flag, seen from another process, while this JVM "
            + "waits").isEqualTo("locked");
        assertThat(taken).isNotDone();
      } finally {
        stop(holder);
      }
      assertThat(taken.get(10, TimeUnit.SECONDS)).as("the lock, once the child let it go").isTrue();
    }
    assertThat(probe(waiting)).as("the flag, once this JVM has the lock").isEqualTo("free");
  }

  /** Probes from another process until it answers {@code want} or {@code ms} have passed; the last answer. */
  private static String probeUntil(Path file, String want, long ms) throws Exception {
    long until = System.currentTimeMillis() + ms;
    String last;
    do {
      last = probe(file);
    } while (!last.equals(want) && System.currentTimeMillis() < until);
    return last;
  }

  private static String probe(Path file) throws Exception {
    Process p = child("probe", file);
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line = r.readLine();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      return line;
    }
  }

  /** A child JVM running {@link Child}; for "hold", returns once it has the lock. */
  private static Process child(String mode, Path file) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Child.class.getName(), mode,
        file.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    if (mode.equals("hold")) {
      String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
      assertThat(line).as("the child's lock on " + file).isEqualTo("held");
    }
    return p;
  }

  private static void stop(Process p) throws InterruptedException {
    p.destroy();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }

  /** The other process: "hold FILE" locks it until killed; "probe FILE" prints whether someone else holds it. */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      try (FileChannel ch = FileChannel.open(Path.of(args[1]), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        if (args[0].equals("hold")) {
          ch.lock();
          System.out.println("held");
          System.out.flush();
          Thread.sleep(Long.MAX_VALUE);
        } else {
          FileLock l = ch.tryLock();
          System.out.println(l == null ? "locked" : "free");
        }
      }
    }
  }
}
