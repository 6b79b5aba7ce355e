package io.leasecr.core.restore;

import io.leasecr.core.locks.FlockLock;
import io.leasecr.core.locks.SavedLocks;
import io.leasecr.proto.image.CheckpointImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which process re-takes a lease or a flock(2) lock in CRIU's restore. CRIU 4.2 (kernel with fdinfo "lock:"
 * lines) dumps each lock with the first dumped task that has an fd to its open file description, the tree's
 * order (a parent before its children), and restores it from that task: so a lock whose taker has closed its fd
 * but whose description lives on in a child (zdtm file_lease04, file_locks03) comes back as the child's, and
 * /proc/locks shows the child's pid. A taker that still has an fd keeps it. POSIX locks belong to their process
 * and OFD locks show no pid: they are not moved.
 */
public final class CriuLockOwners {

  private CriuLockOwners() {}

  /** {@code saved} with each lease's and flock lock's pid as CRIU's restore re-takes it. */
  public static SavedLocks reattribute(CheckpointImage image, Set<Integer> restored, SavedLocks saved) {
    Map<Long, List<Integer>> holders = new HashMap<>(); // description -> restored pids with an fd to it, tree order
    Map<Integer, Set<Long>> fdsOf = new HashMap<>();
    for (io.leasecr.proto.image.Process p : image.getProcessesList()) {
      int pid = p.getSpec().getPid();
      if (!restored.contains(pid)) {
        continue;
      }
      Set<Long> ids = new java.util.HashSet<>(p.getFdsMap().values());
      fdsOf.put(pid, ids);
      ids.forEach(id -> holders.computeIfAbsent(id, k -> new ArrayList<>()).add(pid));
    }
    List<SavedLocks.Saved> leases = new ArrayList<>();
    for (SavedLocks.Saved s : saved.leases()) {
      int pid = owner(s.pid(), s.fileId(), fdsOf, holders);
      leases.add(pid == s.pid() ? s : new SavedLocks.Saved(s.fileId(), pid, s.type(), s.unlockPending(),
          s.downgradePending(), s.typePrev(), s.breakNotified(), s.remainingMs(), s.downgradeRemainingMs()));
    }
    List<SavedLocks.Flock> flocks = new ArrayList<>();
    for (SavedLocks.Flock f : saved.flocks()) {
      int pid = owner(f.lock().pid(), f.lock().file(), fdsOf, holders);
      flocks.add(pid == f.lock().pid() ? f
          : new SavedLocks.Flock(f.ino(), new FlockLock(f.lock().file(), pid, f.lock().type())));
    }
    return new SavedLocks(saved.leaseBreakTime(), saved.leasesEnable(), saved.files(), leases, saved.posix(), flocks);
  }

  private static int owner(int taker, long file, Map<Integer, Set<Long>> fdsOf, Map<Long, List<Integer>> holders) {
    if (fdsOf.getOrDefault(taker, Set.of()).contains(file)) {
      return taker;
    }
    List<Integer> h = holders.get(file);
    return h == null || h.isEmpty() ? taker : h.get(0);
  }
}
