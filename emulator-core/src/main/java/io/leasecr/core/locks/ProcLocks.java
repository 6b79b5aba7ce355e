package io.leasecr.core.locks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * /proc/locks as lock_get_status() prints leases: one line per lease with its target type, and
 * the openers blocked on an inode as "->" lines under the inode's first lease. Like
 * __locks_insert_block, a waiter that conflicts with an earlier waiter is queued under it, and
 * each level of that tree is indented one more space.
 */
public final class ProcLocks {
  private ProcLocks() {}

  public static List<String> render(LeaseTable table) {
    List<Lease> all = new ArrayList<>();
    for (FileLockContext ctx : table.contexts()) {
      all.addAll(ctx.leases);
    }
    all.sort(Comparator.comparingLong(l -> l.order));
    List<String> lines = new ArrayList<>();
    int id = 0;
    for (Lease l : all) {
      id++;
      Inode inode = l.file.inode;
      lines.add(String.format("%d: LEASE  %s%s %d %s:%d 0 EOF",
          id, l.breaking() ? "BREAKING  " : "ACTIVE    ", l.targetType().procName, l.pid, inode.dev(), inode.ino()));
      FileLockContext ctx = table.context(inode.ino());
      if (ctx.leases.get(0) == l) {
        Waiter root = new Waiter(null);
        for (BlockedOpener b : ctx.blocked) {
          root.insert(b);
        }
        root.print(id, 0, lines);
      }
    }
    List<FileLockContext> byInode = table.contexts();
    byInode.sort(Comparator.comparingLong(c -> c.inode.ino()));
    for (FileLockContext ctx : byInode) {
      List<Blocks<PosixLock>> posix = new ArrayList<>();
      ctx.posix.forEach(l -> posix.add(new Blocks<>(l)));
      for (PosixLocks.Waiter w : ctx.posixBlocked) {
        Blocks.insert(posix, w.request(), PosixLock::conflicts);
      }
      for (Blocks<PosixLock> b : posix) {
        id++;
        b.print(id, 0, lines, l -> posix(l, ctx.inode));
      }
      List<Blocks<FlockLock>> flock = new ArrayList<>();
      ctx.flock.forEach(l -> flock.add(new Blocks<>(l)));
      for (FlockLocks.Waiter w : ctx.flockBlocked) {
        Blocks.insert(flock, w.request(), FlockLock::conflicts);
      }
      for (Blocks<FlockLock> b : flock) {
        id++;
        b.print(id, 0, lines, l -> flock(l, ctx.inode));
      }
    }
    return lines;
  }

  /**
   * lock_get_status() for FL_POSIX: "POSIX  ADVISORY  WRITE pid maj:min:ino start end", and for FL_OFDLCK
   * "OFDLCK ADVISORY  READ -1 ..." (an OFD lock has no owning process: locks_translate_pid gives -1).
   */
  private static String posix(PosixLock l, Inode inode) {
    return String.format("%s ADVISORY  %s %d %s:%d %d %s", l.isOfd() ? "OFDLCK" : "POSIX ", l.type().procName,
        l.procPid(), inode.dev(), inode.ino(), l.start(), l.end() == PosixLock.EOF ? "EOF" : String.valueOf(l.end()));
  }

  /** lock_get_status() for FL_FLOCK: "FLOCK  ADVISORY  WRITE pid maj:min:ino 0 EOF", the pid of whoever took it. */
  private static String flock(FlockLock l, Inode inode) {
    return String.format("FLOCK  ADVISORY  %s %d %s:%d 0 EOF", l.type().procName, l.pid(), inode.dev(), inode.ino());
  }

  /**
   * A lock and the requests blocked on it, as __locks_insert_block builds them: a waiter goes under the first
   * lock that blocks it, and further down under the first waiter there that it conflicts with. /proc/locks
   * prints the tree depth first, each level one more space before "-> ".
   */
  private static final class Blocks<T> {
    final T lock;
    final List<Blocks<T>> children = new ArrayList<>(0);

    Blocks(T lock) {
      this.lock = lock;
    }

    static <T> void insert(List<Blocks<T>> locks, T waiter, java.util.function.BiPredicate<T, T> conflict) {
      for (Blocks<T> b : locks) {
        if (conflict.test(b.lock, waiter)) {
          b.insertUnder(waiter, conflict);
          return;
        }
      }
    }

    private void insertUnder(T waiter, java.util.function.BiPredicate<T, T> conflict) {
      for (Blocks<T> c : children) {
        if (conflict.test(c.lock, waiter)) {
          c.insertUnder(waiter, conflict);
          return;
        }
      }
      children.add(new Blocks<>(waiter));
    }

    void print(int id, int level, List<String> lines, java.util.function.Function<T, String> line) {
      String prefix = level == 0 ? "" : " ".repeat(level - 1) + "-> ";
      lines.add(id + ": " + prefix + line.apply(lock));
      for (Blocks<T> c : children) {
        c.print(id, level + 1, lines, line);
      }
    }
  }

  /** A node of the blocked-requests tree. */
  private static final class Waiter {
    final BlockedOpener opener;
    final List<Waiter> children = new ArrayList<>();

    Waiter(BlockedOpener opener) {
      this.opener = opener;
    }

    void insert(BlockedOpener b) {
      for (Waiter w : children) {
        if (w.opener.wantWrite() || b.wantWrite()) {
          w.insert(b);
          return;
        }
      }
      children.add(new Waiter(b));
    }

    void print(int id, int level, List<String> lines) {
      if (opener != null) {
        String prefix = " ".repeat(level - 1) + "-> ";
        lines.add(String.format("%d: %sLEASE  BREAKER   %s %d <none>:0 0 EOF",
            id, prefix, opener.wantWrite() ? "WRITE" : "READ", opener.pid()));
      }
      for (Waiter w : children) {
        w.print(id, level + 1, lines);
      }
    }
  }
}
