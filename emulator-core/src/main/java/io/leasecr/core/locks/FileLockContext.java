package io.leasecr.core.locks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Per-inode lock state ({@code struct file_lock_context} plus the inode's open counts). Everything
 * the lease rules read or change for one file lives here, so the table can be split by inode.
 */
public final class FileLockContext {
  final Inode inode;
  // The six lists start as the shared empty list (reads, removals and sorts work on it) and get their own at the
  // first add (the add* methods): a million-process tree's files, nearly all never locked, keep no six empty
  // lists each (about 150 bytes a file, BENCHMARKS.md issue 17). Add only through those methods.
  /** flc_lease, in insertion order. */
  List<Lease> leases = Collections.emptyList();
  /** Openers and truncaters sleeping in __break_lease, in arrival order. */
  List<BlockedOpener> blocked = Collections.emptyList();
  /** POSIX record locks (flc_posix), by owner and start. */
  List<PosixLock> posix = Collections.emptyList();
  /** Processes sleeping in F_SETLKW or F_OFD_SETLKW on this inode, in arrival order. */
  List<PosixLocks.Waiter> posixBlocked = Collections.emptyList();
  /** flock(2) locks (flc_flock), in the order they were taken. */
  List<FlockLock> flock = Collections.emptyList();
  /** Processes sleeping in flock() on this inode, in arrival order. */
  List<FlockLocks.Waiter> flockBlocked = Collections.emptyList();
  /** Open file descriptions of this inode, by id (a field for the one, a map for more: {@link OpenFiles}). */
  final OpenFiles files = new OpenFiles();
  /** i_readcount: O_RDONLY opens. */
  int readCount;
  /** i_writecount: opens with FMODE_WRITE, plus truncates in progress. */
  int writeCount;
  long nextFileSeq = 1;

  FileLockContext(Inode inode) {
    this.inode = inode;
  }

  /** The list itself if it has its own storage, else a new one to add to. */
  private static <T> List<T> own(List<T> list) {
    return list == Collections.<T>emptyList() ? new ArrayList<>(1) : list;
  }

  void addLease(Lease l) {
    leases = own(leases);
    leases.add(l);
  }

  void addBlocked(BlockedOpener b) {
    blocked = own(blocked);
    blocked.add(b);
  }

  void addPosix(PosixLock l) {
    posix = own(posix);
    posix.add(l);
  }

  void addAllPosix(List<PosixLock> locks) {
    if (!locks.isEmpty()) {
      posix = own(posix);
      posix.addAll(locks);
    }
  }

  void addPosixBlocked(PosixLocks.Waiter w) {
    posixBlocked = own(posixBlocked);
    posixBlocked.add(w);
  }

  void addFlock(FlockLock l) {
    flock = own(flock);
    flock.add(l);
  }

  void addFlockBlocked(FlockLocks.Waiter w) {
    flockBlocked = own(flockBlocked);
    flockBlocked.add(w);
  }

  public Inode inode() {
    return inode;
  }

  public List<Lease> leases() {
    return List.copyOf(leases);
  }

  public List<BlockedOpener> blocked() {
    return List.copyOf(blocked);
  }

  public int readCount() {
    return readCount;
  }

  public int writeCount() {
    return writeCount;
  }

  public OpenFile file(long id) {
    return files.get(id);
  }

  Lease leaseOf(OpenFile file) {
    for (Lease l : leases) {
      if (l.file == file) {
        return l;
      }
    }
    return null;
  }

  /** Earliest pending deadline of this inode's leases, or 0 if none. */
  public long nextDeadline() {
    long next = 0;
    for (Lease l : leases) {
      long d = l.deadline();
      if (d != 0 && (next == 0 || d < next)) {
        next = d;
      }
    }
    return next;
  }

  /**
   * The earliest time time_out_leases has something to do, 0 if never. Unlike {@link #nextDeadline} it counts a
   * pending downgrade's time also when a writer's unlock is pending too (a reader broke the lease, then a writer):
   * the kernel checks fl_downgrade_time and fl_break_time each (emulator fuzz, seed 61206 program 1101).
   */
  long nextTimeOut() {
    long next = 0;
    for (Lease l : leases) {
      if ((l.downgradePending || l.type == LeaseType.WRLCK) && l.downgradeTime != 0
          && (next == 0 || l.downgradeTime < next)) { // a WRITE lease with an old downgrade's time: see timeOutLeases
        next = l.downgradeTime;
      }
      if (l.unlockPending && l.breakTime != 0 && (next == 0 || l.breakTime < next)) {
        next = l.breakTime;
      }
    }
    return next;
  }

  /**
   * When an opener sleeping in __break_lease wakes by itself and runs time_out_leases, 0 if nobody sleeps.
   * It sleeps until the first lease's fl_break_time; when that is 0 (a downgrade-only break, or no
   * lease-break-time) it sleeps one jiffy at a time, so it notices every deadline as it passes.
   */
  public long sleeperWakeTime() {
    if (blocked.isEmpty() || leases.isEmpty()) {
      return 0;
    }
    long first = leases.get(0).breakTime;
    return first != 0 ? first : nextDeadline();
  }

  boolean idle() {
    return leases.isEmpty() && blocked.isEmpty() && files.isEmpty() && posix.isEmpty() && posixBlocked.isEmpty()
        && flock.isEmpty() && flockBlocked.isEmpty();
  }
}
