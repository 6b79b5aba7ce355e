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
      List<PosixLocks.Waiter> unlisted = new ArrayList<>(ctx.posixBlocked);
      for (PosixLock l : ctx.posix) {
        id++;
        lines.add(posix(id, "", l, ctx.inode));
        for (PosixLocks.Waiter w : List.copyOf(unlisted)) {
          if (w.request().conflicts(l)) { // a waiter is listed under the first lock that blocks it
            lines.add(posix(id, "-> ", w.request(), ctx.inode));
            unlisted.remove(w);
          }
        }
      }
    }
    return lines;
  }

  /** lock_get_status() for FL_POSIX: "POSIX  ADVISORY  WRITE pid maj:min:ino start end". */
  private static String posix(int id, String prefix, PosixLock l, Inode inode) {
    return String.format("%d: %sPOSIX  ADVISORY  %s %d %s:%d %d %s", id, prefix, l.type().procName, l.pid(),
        inode.dev(), inode.ino(), l.start(), l.end() == PosixLock.EOF ? "EOF" : String.valueOf(l.end()));
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
