package io.leasecr.node.drill;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which processes of this machine belong to the cluster that last used a journal: the driver and its node
 * JVMs, by pid, in a file per journal under {@code $TMPDIR/lease-cr-drills/}. A drill removes an earlier
 * cluster's sharding rows only when every process of that cluster is known dead; while one still runs
 * (a drill in progress, or a node that outlived its driver) it refuses to start and names them.
 * Clusters on other machines sharing the database are not seen: give each its own database.
 */
final class DrillRuns {

  private final Path file;
  private final List<Long> mine = new ArrayList<>();

  DrillRuns(String journal) {
    String key = Integer.toHexString(journal.hashCode());
    this.file = Path.of(System.getProperty("java.io.tmpdir"), "lease-cr-drills", "journal-" + key + ".pids");
  }

  /**
   * Takes the journal for this run: null if every earlier process is dead (the rows may go), else the
   * refusal in a line.
   */
  synchronized String claim() throws IOException {
    Files.createDirectories(file.getParent());
    try (FileChannel ch = new RandomAccessFile(file.toFile(), "rw").getChannel(); FileLock lock = ch.lock()) {
      List<Long> alive = new ArrayList<>();
      for (String line : read(ch)) {
        long pid = Long.parseLong(line.trim());
        if (pid != ProcessHandle.current().pid() && alive(pid)) {
          alive.add(pid);
        }
      }
      if (!alive.isEmpty()) {
        return "the journal is in use by a cluster that is still running on this machine (pids " + alive
            + ": an earlier drill's driver or nodes); its sharding rows are left alone: stop those processes or give "
            + "this drill another database";
      }
      mine.clear();
      mine.add(ProcessHandle.current().pid());
      write(ch);
      return null;
    }
  }

  /** A node JVM of this run. */
  synchronized void add(long pid) throws IOException {
    mine.add(pid);
    try (FileChannel ch = new RandomAccessFile(file.toFile(), "rw").getChannel(); FileLock lock = ch.lock()) {
      write(ch);
    }
  }

  /** The run is over and its nodes stopped: the next drill may clean up after it. */
  synchronized void release() {
    mine.clear();
    try (FileChannel ch = new RandomAccessFile(file.toFile(), "rw").getChannel(); FileLock lock = ch.lock()) {
      ch.truncate(0);
    } catch (IOException e) {
      // the next drill checks the pids itself
    }
  }

  private static List<String> read(FileChannel ch) throws IOException {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) ch.size());
    ch.read(b, 0);
    return new String(b.array(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
  }

  private void write(FileChannel ch) throws IOException {
    StringBuilder sb = new StringBuilder();
    mine.forEach(p -> sb.append(p).append('\n'));
    ch.truncate(0);
    ch.write(java.nio.ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)), 0);
  }

  /** Whether a pid runs a Java program of this project (a recycled pid running something else does not count). */
  private static boolean alive(long pid) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty() || !h.get().isAlive()) {
      return false;
    }
    try {
      String cmd = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
      return cmd.contains("io.leasecr") || cmd.contains("emulator");
    } catch (IOException e) {
      return true; // cannot tell: assume it runs
    }
  }
}
