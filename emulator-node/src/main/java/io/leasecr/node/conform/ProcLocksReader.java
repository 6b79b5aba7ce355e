package io.leasecr.node.conform;

import io.leasecr.core.locks.Vfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the real /proc/locks and keeps the lines about the run's own files, rewritten into the
 * emulator's numbering: its pids, its device and inode numbers, ids counted from 1.
 */
final class ProcLocksReader {
  private static final Pattern LEASE = Pattern.compile("^(\\d+): (LEASE  \\S+\\s+\\S+) (\\d+) ([0-9a-f]+:[0-9a-f]+):(\\d+) (.*)$");
  private static final Pattern CHILD = Pattern.compile("^(\\d+):(\\s*->) (LEASE  BREAKER   \\S+) (\\d+) (<none>:0 .*)$");
  /** POSIX and OFD record locks and flock locks, each maybe a "->" waiter at some depth; an OFD lock's pid is -1. */
  private static final Pattern POSIX = Pattern.compile(
      "^(\\d+):(\\s*(?:-> )?)((?:POSIX |OFDLCK|FLOCK ) ADVISORY  \\S+) (-?\\d+) ([0-9a-f]+:[0-9a-f]+):(\\d+) (.*)$");

  private ProcLocksReader() {}

  static List<String> read(Map<Long, Long> realToEmulatedIno, Map<Integer, Integer> realToEmulatedPid) {
    try {
      return normalize(Files.readAllLines(Path.of("/proc/locks")), realToEmulatedIno, realToEmulatedPid);
    } catch (IOException e) {
      return List.of("cannot read /proc/locks: " + e.getMessage());
    }
  }

  static List<String> normalize(List<String> lines, Map<Long, Long> inos, Map<Integer, Integer> pids) {
    List<String> out = new ArrayList<>();
    String keptId = null;
    int id = 0;
    for (String line : lines) {
      Matcher lease = LEASE.matcher(line);
      if (lease.matches()) {
        Long ino = inos.get(Long.parseLong(lease.group(5)));
        keptId = ino == null ? null : lease.group(1);
        if (ino != null) {
          out.add(String.format("%d: %s %d %s:%d %s", ++id, lease.group(2), pid(pids, lease.group(3)), Vfs.DEV, ino,
              lease.group(6)));
        }
        continue;
      }
      Matcher posix = POSIX.matcher(line);
      if (posix.matches()) {
        Long ino = inos.get(Long.parseLong(posix.group(6)));
        boolean waiter = posix.group(2).contains("->");
        if (ino != null) {
          out.add(String.format("%d:%s%s %d %s:%d %s", waiter ? id : ++id, posix.group(2).isEmpty() ? " " : posix.group(2),
              posix.group(3), pid(pids, posix.group(4)), Vfs.DEV, ino, posix.group(7)));
        }
        keptId = null;
        continue;
      }
      Matcher child = CHILD.matcher(line);
      if (child.matches() && child.group(1).equals(keptId)) {
        out.add(String.format("%d:%s %s %d %s", id, child.group(2), child.group(3), pid(pids, child.group(4)),
            child.group(5)));
      } else if (!child.matches()) {
        keptId = null; // another kind of lock: its children are not ours either
      }
    }
    return out;
  }

  private static int pid(Map<Integer, Integer> pids, String real) {
    int pid = Integer.parseInt(real);
    return pid == -1 ? -1 : pids.getOrDefault(pid, -1);
  }
}
