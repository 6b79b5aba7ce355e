package io.leasecr.core.locks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-inode lock state ({@code struct file_lock_context} plus the inode's open counts). Everything
 * the lease rules read or change for one file lives here, so the table can be split by inode.
 */
public final class FileLockContext {
  final Inode inode;
  /** flc_lease, in insertion order. */
  final List<Lease> leases = new ArrayList<>(0); // (0): no array until the first add, for the many files never leased
  /** Openers and truncaters sleeping in __break_lease, in arrival order. */
  final List<BlockedOpener> blocked = new ArrayList<>(0);
  /** POSIX record locks (flc_posix), by owner and start. */
  final List<PosixLock> posix = new ArrayList<>(0);
  /** Processes sleeping in F_SETLKW or F_OFD_SETLKW on this inode, in arrival order. */
  final List<PosixLocks.Waiter> posixBlocked = new ArrayList<>(0);
  /** flock(2) locks (flc_flock), in the order they were taken. */
  final List<FlockLock> flock = new ArrayList<>(0);
  /** Processes sleeping in flock() on this inode, in arrival order. */
  final List<FlockLocks.Waiter> flockBlocked = new ArrayList<>(0);
  /** Open file descriptions of this inode, by id. */
  final Map<Long, OpenFile> files = new HashMap<>(4);
  /** i_readcount: O_RDONLY opens. */
  int readCount;
  /** i_writecount: opens with FMODE_WRITE, plus truncates in progress. */
  int writeCount;
  long nextFileSeq = 1;

  FileLockContext(Inode inode) {
    this.inode = inode;
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
      if (l.downgradePending && l.downgradeTime != 0 && (next == 0 || l.downgradeTime < next)) {
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
