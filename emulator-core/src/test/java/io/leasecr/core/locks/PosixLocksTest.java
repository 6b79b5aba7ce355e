package io.leasecr.core.locks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * posix_lock_inode's merging and splitting, posix_locks_conflict's boundaries, posix_locks_deadlock and
 * fcntl_setlk's argument checks, on a bare table (each expectation is what Linux does; the kernel-runnable ones
 * are also in scenarios/posix/posix-merge-split.yaml, compared with the kernel).
 */
class PosixLocksTest {

  private static final Inode F = new Inode(2001, "00:2a", "/p", 0, Inode.Kind.REGULAR, true);
  private static final Inode G = new Inode(2002, "00:2a", "/q", 0, Inode.Kind.REGULAR, true);

  private final LeaseTable table = new LeaseTable(45, true);
  private final GrantLog ev = new GrantLog() {
    @Override
    public void posixGranted(PosixLocks.Waiter w) {
      granted.add(w.pid() + "#" + w.reqId());
    }
  };
  private final List<String> granted = ev.granted;

  private OpenFile open(int pid, Inode inode, AccessMode mode) {
    return ((LeaseTable.Outcome.Done) table.open(pid, 0, inode, mode, false, 0, ev)).file();
  }

  private PosixLocks.Outcome lk(int pid, OpenFile f, LeaseType type, long start, long len) {
    return table.setLk(pid, 0, f.inode().ino(), f.id(), type.value, start, len, false, ev);
  }

  private PosixLocks.Outcome lkw(int pid, long req, OpenFile f, LeaseType type, long start, long len) {
    return table.setLk(pid, req, f.inode().ino(), f.id(), type.value, start, len, true, ev);
  }

  /** The inode's locks as "pid:TYPE:start-end", in the kernel's list order (owner, then start). */
  private List<String> locks(Inode inode) {
    List<String> out = new ArrayList<>();
    for (PosixLock l : table.context(inode.ino()).posix) {
      out.add(l.pid() + ":" + l.type().procName + ":" + l.start() + "-" + (l.end() == PosixLock.EOF ? "EOF" : l.end()));
    }
    return out;
  }

  private static final PosixLocks.Outcome GRANTED = new PosixLocks.Outcome.Granted();

  @Test
  void adjacentLocksOfOneTypeMergeButAGapOfOneByteDoesNot() {
    OpenFile f = open(1, F, AccessMode.O_RDWR);
    assertThat(lk(1, f, LeaseType.WRLCK, 0, 10)).isEqualTo(GRANTED);
    assertThat(lk(1, f, LeaseType.WRLCK, 10, 10)).isEqualTo(GRANTED); // [10,19] touches [0,9]
    assertThat(locks(F)).containsExactly("1:WRITE:0-19");
    assertThat(lk(1, f, LeaseType.WRLCK, 21, 5)).isEqualTo(GRANTED); // one byte (20) between
    assertThat(locks(F)).containsExactly("1:WRITE:0-19", "1:WRITE:21-25");
    // a lock before, touching from the other side, merges too
    assertThat(lk(1, f, LeaseType.WRLCK, 26, 4)).isEqualTo(GRANTED);
    assertThat(locks(F)).containsExactly("1:WRITE:0-19", "1:WRITE:21-29");
    assertThat(lk(1, f, LeaseType.WRLCK, 20, 1)).isEqualTo(GRANTED); // fills the gap: one lock
    assertThat(locks(F)).containsExactly("1:WRITE:0-29");
  }

  @Test
  void aLockToEofMergesWithWhatFollowsAndAbsorbsIt() {
    OpenFile f = open(1, F, AccessMode.O_RDWR);
    lk(1, f, LeaseType.RDLCK, 100, 10);
    lk(1, f, LeaseType.RDLCK, 50, 0); // [50, EOF]
    assertThat(locks(F)).containsExactly("1:READ:50-EOF");
    lk(1, f, LeaseType.RDLCK, 10, 40); // [10,49] touches [50,EOF]
    assertThat(locks(F)).containsExactly("1:READ:10-EOF");
    lk(1, f, LeaseType.RDLCK, 0, 5); // [0,4]: a gap of 5 bytes stays
    assertThat(locks(F)).containsExactly("1:READ:0-4", "1:READ:10-EOF");
  }

  @Test
  void anotherTypeInTheMiddleSplitsTheLockInThree() {
    OpenFile f = open(1, F, AccessMode.O_RDWR);
    lk(1, f, LeaseType.WRLCK, 0, 100);
    assertThat(lk(1, f, LeaseType.RDLCK, 10, 10)).isEqualTo(GRANTED);
    assertThat(locks(F)).containsExactly("1:WRITE:0-9", "1:READ:10-19", "1:WRITE:20-99");
    // the same type again over the middle and a bit of both sides: the write parts grow over it
    lk(1, f, LeaseType.WRLCK, 5, 20);
    assertThat(locks(F)).containsExactly("1:WRITE:0-99");
  }

  @Test
  void unlockingCutsTheRangeOutOfEveryLockItTouches() {
    OpenFile f = open(1, F, AccessMode.O_RDWR);
    lk(1, f, LeaseType.WRLCK, 0, 0); // [0, EOF]
    lk(1, f, LeaseType.UNLCK, 10, 10);
    assertThat(locks(F)).containsExactly("1:WRITE:0-9", "1:WRITE:20-EOF");
    lk(1, f, LeaseType.UNLCK, 5, 20); // [5,24]: cuts the end of one and the start of the other
    assertThat(locks(F)).containsExactly("1:WRITE:0-4", "1:WRITE:25-EOF");
    lk(1, f, LeaseType.UNLCK, 30, 0); // to EOF: nothing left after 29
    assertThat(locks(F)).containsExactly("1:WRITE:0-4", "1:WRITE:25-29");
    lk(1, f, LeaseType.UNLCK, 0, 0);
    assertThat(table.context(F.ino()).posix).isEmpty();
  }

  @Test
  void anUnlockAdjacentToALockLeavesItWhole() {
    OpenFile f = open(1, F, AccessMode.O_RDWR);
    lk(1, f, LeaseType.WRLCK, 10, 10); // [10,19]
    lk(1, f, LeaseType.UNLCK, 20, 5);
    lk(1, f, LeaseType.UNLCK, 0, 10);
    assertThat(locks(F)).containsExactly("1:WRITE:10-19");
  }

  @Test
  void otherOwnersLocksAreNeitherMergedNorCut() {
    OpenFile a = open(1, F, AccessMode.O_RDWR);
    OpenFile b = open(2, F, AccessMode.O_RDWR);
    lk(1, a, LeaseType.RDLCK, 0, 10);
    lk(2, b, LeaseType.RDLCK, 10, 10);
    lk(2, b, LeaseType.UNLCK, 0, 5);
    assertThat(locks(F)).containsExactly("1:READ:0-9", "2:READ:10-19");
  }

  @Test
  void rangesConflictFromTheirFirstToTheirLastByte() {
    OpenFile a = open(1, F, AccessMode.O_RDWR);
    OpenFile b = open(2, F, AccessMode.O_RDWR);
    lk(1, a, LeaseType.WRLCK, 10, 10); // [10,19]
    assertThat(lk(2, b, LeaseType.RDLCK, 19, 1)).isEqualTo(new PosixLocks.Outcome.Failed(Errno.EAGAIN));
    assertThat(lk(2, b, LeaseType.RDLCK, 5, 6)).isEqualTo(new PosixLocks.Outcome.Failed(Errno.EAGAIN)); // [5,10]
    assertThat(lk(2, b, LeaseType.RDLCK, 20, 1)).isEqualTo(GRANTED);
    assertThat(lk(2, b, LeaseType.RDLCK, 0, 10)).isEqualTo(GRANTED); // [0,9]
    // F_GETLK names the lock in the way, and nothing for the bytes just outside it
    assertThat(table.getLk(2, F.ino(), b.id(), LeaseType.WRLCK.value, 19, 1))
        .isEqualTo(new GetLk.Locked(new PosixLock(1, LeaseType.WRLCK, 10, 19)));
    assertThat(table.getLk(2, F.ino(), b.id(), LeaseType.WRLCK.value, 25, 1)).isEqualTo(GetLk.UNLOCKED);
  }

  @Test
  void readLocksShareAndAnOwnerNeverConflictsWithItself() {
    OpenFile a = open(1, F, AccessMode.O_RDWR);
    OpenFile b = open(2, F, AccessMode.O_RDWR);
    lk(1, a, LeaseType.RDLCK, 0, 10);
    assertThat(lk(2, b, LeaseType.RDLCK, 0, 10)).isEqualTo(GRANTED);
    assertThat(lk(2, b, LeaseType.WRLCK, 0, 10)).isEqualTo(new PosixLocks.Outcome.Failed(Errno.EAGAIN));
    assertThat(table.getLk(1, F.ino(), a.id(), LeaseType.WRLCK.value, 0, 10))
        .isEqualTo(new GetLk.Locked(new PosixLock(2, LeaseType.RDLCK, 0, 9)));
    assertThat(table.getLk(2, F.ino(), b.id(), LeaseType.RDLCK.value, 0, 10)).isEqualTo(GetLk.UNLOCKED);
  }

  @Test
  void flock64RangesFromStartAndLength() {
    assertThat(PosixLock.of(1, LeaseType.RDLCK, 10, 5)).isEqualTo(new PosixLock(1, LeaseType.RDLCK, 10, 14));
    assertThat(PosixLock.of(1, LeaseType.RDLCK, 10, 0)).isEqualTo(new PosixLock(1, LeaseType.RDLCK, 10, PosixLock.EOF));
    assertThat(PosixLock.of(1, LeaseType.RDLCK, 10, -4)).isEqualTo(new PosixLock(1, LeaseType.RDLCK, 6, 9));
    assertThat(PosixLock.of(1, LeaseType.RDLCK, 10, 1).length()).isEqualTo(1);
    assertThat(PosixLock.of(1, LeaseType.RDLCK, 10, 0).length()).isZero();
    assertThat(new PosixLock(1, LeaseType.RDLCK, 0, 0, 7).procPid()).isEqualTo(-1);
    assertThat(new PosixLock(3, LeaseType.RDLCK, 0, 0).procPid()).isEqualTo(3);
  }

  @Test
  void fcntlSetlkChecksTypeRangeAndAccessMode() {
    OpenFile ro = open(1, F, AccessMode.O_RDONLY);
    OpenFile wo = open(1, F, AccessMode.O_WRONLY);
    OpenFile rw = open(1, F, AccessMode.O_RDWR);
    OpenFile path = open(1, F, AccessMode.O_PATH);
    PosixLocks.Outcome ebadf = new PosixLocks.Outcome.Failed(Errno.EBADF);
    PosixLocks.Outcome einval = new PosixLocks.Outcome.Failed(Errno.EINVAL);
    assertThat(lk(1, ro, LeaseType.WRLCK, 0, 1)).isEqualTo(ebadf); // a write lock needs an fd open for writing
    assertThat(lk(1, wo, LeaseType.RDLCK, 0, 1)).isEqualTo(ebadf); // a read lock needs one open for reading
    assertThat(lk(1, path, LeaseType.RDLCK, 0, 1)).isEqualTo(ebadf);
    assertThat(lk(1, ro, LeaseType.RDLCK, 0, 1)).isEqualTo(GRANTED);
    assertThat(lk(1, wo, LeaseType.WRLCK, 1, 1)).isEqualTo(GRANTED);
    assertThat(lk(1, rw, LeaseType.RDLCK, 2, 1)).isEqualTo(GRANTED);
    assertThat(lk(1, rw, LeaseType.WRLCK, 3, 1)).isEqualTo(GRANTED);
    assertThat(lk(1, ro, LeaseType.UNLCK, 3, 1)).isEqualTo(GRANTED); // unlocking needs no access mode
    assertThat(table.setLk(1, 0, F.ino(), rw.id(), 7, 0, 1, false, ev)).isEqualTo(einval);
    assertThat(lk(1, rw, LeaseType.RDLCK, -1, 1)).isEqualTo(einval);
    assertThat(lk(1, rw, LeaseType.RDLCK, 5, -6)).isEqualTo(einval); // would start at -1
    assertThat(lk(1, rw, LeaseType.RDLCK, 5, -5)).isEqualTo(GRANTED); // [0,4]
    assertThat(table.setLk(1, 0, F.ino(), 999, LeaseType.RDLCK.value, 0, 1, false, ev)).isEqualTo(ebadf);
    // the last byte at most OFFSET_MAX (Long.MAX_VALUE); one further is EOVERFLOW, for F_SETLK and F_GETLK alike
    PosixLocks.Outcome eoverflow = new PosixLocks.Outcome.Failed(Errno.EOVERFLOW);
    assertThat(lk(2, rw, LeaseType.WRLCK, Long.MAX_VALUE, 2)).isEqualTo(eoverflow);
    assertThat(lk(2, rw, LeaseType.WRLCK, 1000, Long.MAX_VALUE)).isEqualTo(eoverflow);
    assertThat(lk(2, rw, LeaseType.WRLCK, 1000, Long.MAX_VALUE - 998)).isEqualTo(eoverflow);
    assertThat(lk(2, rw, LeaseType.WRLCK, 1000, Long.MAX_VALUE - 999)).isEqualTo(GRANTED); // [1000, MAX]
    assertThat(lk(2, rw, LeaseType.WRLCK, Long.MAX_VALUE, 1)).isEqualTo(GRANTED);
    assertThat(table.getLk(1, F.ino(), rw.id(), LeaseType.RDLCK.value, Long.MAX_VALUE, 2))
        .isEqualTo(new GetLk.Failed(Errno.EOVERFLOW));
    // the kernel's orders: F_SETLK checks the range before the type, F_GETLK the type before the range
    assertThat(table.setLk(1, 0, F.ino(), rw.id(), 7, Long.MAX_VALUE, 2, false, ev)).isEqualTo(eoverflow);
    assertThat(table.getLk(1, F.ino(), rw.id(), LeaseType.UNLCK.value, Long.MAX_VALUE, 2))
        .isEqualTo(new GetLk.Failed(Errno.EINVAL));
    assertThat(table.getLk(1, F.ino(), rw.id(), 9, Long.MAX_VALUE, 2)).isEqualTo(new GetLk.Failed(Errno.EINVAL));
    // F_GETLK: the same range checks, EBADF for O_PATH, and F_UNLCK is no question
    assertThat(table.getLk(1, F.ino(), rw.id(), LeaseType.UNLCK.value, 0, 1)).isEqualTo(new GetLk.Failed(Errno.EINVAL));
    assertThat(table.getLk(1, F.ino(), rw.id(), LeaseType.RDLCK.value, -1, 1)).isEqualTo(new GetLk.Failed(Errno.EINVAL));
    assertThat(table.getLk(1, F.ino(), rw.id(), 9, 0, 1)).isEqualTo(new GetLk.Failed(Errno.EINVAL));
    assertThat(table.getLk(1, F.ino(), path.id(), LeaseType.RDLCK.value, 0, 1)).isEqualTo(new GetLk.Failed(Errno.EBADF));
    assertThat(table.getLk(1, F.ino(), 999, LeaseType.RDLCK.value, 0, 1)).isEqualTo(new GetLk.Failed(Errno.EBADF));
  }

  @Test
  void aWaitThatWouldCloseACycleIsEdeadlkAndAnAbandonedWaitOpensItAgain() {
    OpenFile a = open(1, F, AccessMode.O_RDWR);
    OpenFile b = open(2, G, AccessMode.O_RDWR);
    OpenFile bOnF = open(2, F, AccessMode.O_RDWR);
    OpenFile aOnG = open(1, G, AccessMode.O_RDWR);
    lk(1, a, LeaseType.WRLCK, 0, 1); // 1 holds F
    lk(2, b, LeaseType.WRLCK, 0, 1); // 2 holds G
    assertThat(lkw(1, 10, aOnG, LeaseType.WRLCK, 0, 1)).isInstanceOf(PosixLocks.Outcome.Blocked.class); // 1 -> 2
    assertThat(lkw(2, 20, bOnF, LeaseType.WRLCK, 0, 1)).isEqualTo(new PosixLocks.Outcome.Failed(Errno.EDEADLK));
    // F_SETLK never checks for deadlock: plain EAGAIN
    assertThat(lk(2, bOnF, LeaseType.WRLCK, 0, 1)).isEqualTo(new PosixLocks.Outcome.Failed(Errno.EAGAIN));
    assertThat(table.abandonLk(G.ino(), 1, 10)).isTrue(); // 1's wait ends (EINTR)
    assertThat(table.abandonLk(G.ino(), 1, 10)).isFalse();
    assertThat(lkw(2, 21, bOnF, LeaseType.WRLCK, 0, 1)).isInstanceOf(PosixLocks.Outcome.Blocked.class);
  }

  @Test
  void aLongerChainIsFollowedToTheCaller() {
    Inode[] files = new Inode[4];
    OpenFile[][] fd = new OpenFile[4][4];
    for (int i = 0; i < 4; i++) {
      files[i] = new Inode(3000 + i, "00:2a", "/c" + i, 0, Inode.Kind.REGULAR, true);
      for (int p = 0; p < 4; p++) {
        fd[p][i] = open(p + 1, files[i], AccessMode.O_RDWR);
      }
    }
    for (int p = 0; p < 4; p++) {
      lk(p + 1, fd[p][p], LeaseType.WRLCK, 0, 1); // process p+1 holds file p
    }
    // 1 waits for 2, 2 for 3, 3 for 4; 4 asking for 1's file closes the cycle
    assertThat(lkw(1, 1, fd[0][1], LeaseType.WRLCK, 0, 1)).isInstanceOf(PosixLocks.Outcome.Blocked.class);
    assertThat(lkw(2, 2, fd[1][2], LeaseType.WRLCK, 0, 1)).isInstanceOf(PosixLocks.Outcome.Blocked.class);
    assertThat(lkw(3, 3, fd[2][3], LeaseType.WRLCK, 0, 1)).isInstanceOf(PosixLocks.Outcome.Blocked.class);
    assertThat(lkw(4, 4, fd[3][0], LeaseType.WRLCK, 0, 1)).isEqualTo(new PosixLocks.Outcome.Failed(Errno.EDEADLK));
  }

  @Test
  void releasingWakesEveryWaiterThatNoLongerConflictsInArrivalOrder() {
    OpenFile a = open(1, F, AccessMode.O_RDWR);
    OpenFile b = open(2, F, AccessMode.O_RDWR);
    OpenFile c = open(3, F, AccessMode.O_RDWR);
    OpenFile d = open(4, F, AccessMode.O_RDWR);
    lk(1, a, LeaseType.WRLCK, 0, 20);
    lkw(2, 7, b, LeaseType.RDLCK, 0, 5);
    lkw(3, 8, c, LeaseType.WRLCK, 15, 5);
    lkw(4, 9, d, LeaseType.WRLCK, 0, 5); // after 2 takes its read lock, still in the way
    lk(1, a, LeaseType.UNLCK, 0, 10); // frees [0,9]: 2 gets it, 4 then conflicts with 2's read lock
    assertThat(granted).containsExactly("2#7");
    assertThat(locks(F)).containsExactly("1:WRITE:10-19", "2:READ:0-4");
    lk(1, a, LeaseType.UNLCK, 0, 0);
    assertThat(granted).containsExactly("2#7", "3#8");
    lk(2, b, LeaseType.UNLCK, 0, 0);
    assertThat(granted).containsExactly("2#7", "3#8", "4#9");
    assertThat(locks(F)).containsExactly("3:WRITE:15-19", "4:WRITE:0-4");
  }

  @Test
  void anyCloseByTheOwnerDropsItsClassicLocksAndLetsWaitersIn() {
    OpenFile a = open(1, F, AccessMode.O_RDWR);
    OpenFile a2 = open(1, F, AccessMode.O_RDONLY);
    OpenFile b = open(2, F, AccessMode.O_RDWR);
    lk(1, a, LeaseType.WRLCK, 0, 0);
    lkw(2, 5, b, LeaseType.WRLCK, 0, 1);
    table.put(1, F.ino(), a2.id(), 0, ev); // another fd of the same file
    assertThat(granted).containsExactly("2#5");
    assertThat(locks(F)).containsExactly("2:WRITE:0-0");
  }
}
