package io.leasecr.core.locks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * /proc/locks as lock_get_status() prints leases: one line per lease with its target type, and
 * the openers blocked on an inode as "->" lines under the inode's first lease.
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
        for (BlockedOpener b : ctx.blocked) {
          lines.add(String.format("%d: -> LEASE  BREAKER   %s %d <none>:0 0 EOF",
              id, b.wantWrite() ? "WRITE" : "READ", b.pid()));
        }
      }
    }
    return lines;
  }
}
