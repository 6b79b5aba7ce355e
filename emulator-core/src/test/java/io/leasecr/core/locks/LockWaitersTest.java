package io.leasecr.core.locks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Sleepers in F_SETLKW, F_OFD_SETLKW and flock(): who waits for whom once a waiter gives up, goes away or is
 * woken still blocked (posix_locks_deadlock follows the current blocker), how far the deadlock search goes, and
 * what a wake-up or a restore leaves in the lists. Checked on this machine's kernel (6.18, Python and fcntl):
 * a cycle through 11 other owners is EDEADLK and through 12 the request sleeps; a waiter woken when its first
 * blocker leaves and blocked again by a second one is found in the second one's cycle (EDEADLK).
 */
class LockWaitersTest {

  private static final Inode F = new Inode(2101, "00:2a", "/p", 0, Inode.Kind.REGULAR, true);
  private static final Inode G = new Inode(2102, "00:2a", "/q", 0, Inode.Kind.REGULAR, true);

  private final LeaseTable table = new LeaseTable(45, true);
  private final GrantLog ev = new GrantLog() {
    @Override
    public void posixGranted(PosixLocks.Waiter w) {
      granted.add(w.pid() + "#" + w.reqId());
    }

    @Override
    public void flockGranted(FlockLocks.Waiter w) {
      granted.add("flock " + w.pid() + "#" + w.reqId());
    }
  };
  private final List<String> granted = ev.granted;

  private OpenFile open(int pid, Inode inode) {
    return ((LeaseTable.Outcome.Done) table.open(pid, 0, inode, AccessMode.O_RDWR, false, 0, ev)).file();
  }

  private PosixLocks.Outcome lk(int pid, OpenFile f, LeaseType type, long start, long len) {
    return table.setLk(pid, 0, f.inode().ino(), f.id(), type.value, start, len, false, ev);
  }

  private PosixLocks.Outcome lkw(int pid, long req, OpenFile f, LeaseType type, long start, long len) {
    return table.setLk(pid, req, f.inode().ino(), f.id(), type.value, start, len, true, ev);
  }

  private List<String> locks(Inode inode) {
    List<String> out = new ArrayList<>();
    for (PosixLock l : table.context(inode.ino()).posix) {
      out.add(l.pid() + ":" + l.type().procName + ":" + l.start() + "-" + (l.end() == PosixLock.EOF ? "EOF" : l.end()));
    }
    return out;
  }

  private static final PosixLocks.Outcome GRANTED = new PosixLocks.Outcome.Granted();
  private static final PosixLocks.Outcome EDEADLK = new PosixLocks.Outcome.Failed(Errno.EDEADLK);

  /** 1 holds /p byte 0, 2 sleeps on it, then 2 holds /q byte 0 and 1 asks for it: a cycle only if 2 still waits. */
  private PosixLocks.Outcome oneAsksForTwosLockAfter(Runnable twoStopsWaiting) {
    OpenFile a = open(1, F);
    OpenFile b = open(2, F);
    assertThat(lk(1, a, LeaseType.WRLCK, 0, 1)).isEqualTo(GRANTED);
    assertThat(lkw(2, 9, b, LeaseType.WRLCK, 0, 1)).isInstanceOf(PosixLocks.Outcome.Blocked.class);
    twoStopsWaiting.run();
    OpenFile a2 = open(1, G);
    OpenFile b2 = open(2, G);
    assertThat(lk(2, b2, LeaseType.WRLCK, 0, 1)).isEqualTo(GRANTED);
    return lkw(1, 3, a2, LeaseType.WRLCK, 0, 1);
  }

  @Test
  void aWaiterThatGaveUpWaitsForNobody() {
    assertThat(oneAsksForTwosLockAfter(() -> assertThat(table.abandonLk(F.ino(), 2, 9)).isTrue()))
        .isInstanceOf(PosixLocks.Outcome.Blocked.class);
    assertThat(table.abandonLk(F.ino(), 2, 9)).isFalse();
  }

  @Test
  void aWaiterThatWentAwayWaitsForNobody() {
    assertThat(oneAsksForTwosLockAfter(() -> assertThat(table.forgetProcess(2, ev)).containsExactly(F.ino())))
        .isInstanceOf(PosixLocks.Outcome.Blocked.class);
  }

  @Test
  void aStillWaitingOwnerClosesTheCycle() {
    assertThat(oneAsksForTwosLockAfter(() -> {})).isEqualTo(EDEADLK);
  }

  @Test
  void oneWaiterGivingUpLeavesTheOthersWaiting() {
    OpenFile a = open(1, F);
    OpenFile b = open(2, F);
    OpenFile c = open(3, F);
    lk(1, a, LeaseType.WRLCK, 0, 1);
    lkw(2, 7, b, LeaseType.WRLCK, 0, 1);
    lkw(3, 8, c, LeaseType.WRLCK, 0, 1);
    assertThat(table.abandonLk(F.ino(), 2, 7)).isTrue();
    assertThat(table.context(F.ino()).posixBlocked).extracting(PosixLocks.Waiter::pid).containsExactly(3);
    lk(1, a, LeaseType.UNLCK, 0, 1);
    assertThat(granted).containsExactly("3#8");
  }

  @Test
  void theDeadlockSearchFollowsElevenOwnersAfterTheBlockerAsLinuxDoes() {
    assertThat(cycleThrough(11)).isEqualTo(EDEADLK);
    assertThat(cycleThrough(12)).isInstanceOf(PosixLocks.Outcome.Blocked.class);
  }

  /**
   * Owners 1..k each hold byte j of a fresh file, each waits for the next one's byte, owner k for byte 0 of the
   * caller (100), who then asks for owner 1's byte.
   */
  private PosixLocks.Outcome cycleThrough(int k) {
    Inode f = new Inode(3000 + k, "00:2a", "/chain" + k, 0, Inode.Kind.REGULAR, true);
    OpenFile caller = open(100, f);
    assertThat(lk(100, caller, LeaseType.WRLCK, 0, 1)).isEqualTo(GRANTED);
    List<OpenFile> fds = new ArrayList<>();
    for (int j = 1; j <= k; j++) {
      OpenFile fd = open(j, f);
      fds.add(fd);
      assertThat(lk(j, fd, LeaseType.WRLCK, j, 1)).isEqualTo(GRANTED);
    }
    for (int j = k; j >= 1; j--) {
      assertThat(lkw(j, j, fds.get(j - 1), LeaseType.WRLCK, j == k ? 0 : j + 1, 1))
          .isInstanceOf(PosixLocks.Outcome.Blocked.class);
    }
    return lkw(100, 1, caller, LeaseType.WRLCK, 1, 1);
  }

  @Test
  void aWaiterWokenAndBlockedAgainWaitsForItsNewBlocker() {
    OpenFile a = open(1, F);
    OpenFile b = open(2, F);
    OpenFile c = open(3, F);
    lk(1, a, LeaseType.RDLCK, 0, 1);
    lk(2, b, LeaseType.RDLCK, 0, 1);
    lk(3, c, LeaseType.WRLCK, 5, 1);
    assertThat(lkw(3, 7, c, LeaseType.WRLCK, 0, 1)).isInstanceOf(PosixLocks.Outcome.Blocked.class); // behind 1
    lk(1, a, LeaseType.UNLCK, 0, 1); // 3 wakes, and sleeps on behind 2
    assertThat(granted).isEmpty();
    assertThat(lkw(2, 8, b, LeaseType.WRLCK, 5, 1)).isEqualTo(EDEADLK);
  }

  @Test
  void aLockCutAtItsOwnStartLeavesOnlyTheRestOfTheOldOne() {
    OpenFile a = open(1, F);
    lk(1, a, LeaseType.RDLCK, 0, 10);
    lk(1, a, LeaseType.WRLCK, 0, 5);
    assertThat(locks(F)).containsExactly("1:WRITE:0-4", "1:READ:5-9");
    lk(1, a, LeaseType.UNLCK, 7, 3); // cut at its own end
    assertThat(locks(F)).containsExactly("1:WRITE:0-4", "1:READ:5-6");
  }

  @Test
  void aNegativeLengthReachingByteZeroIsAllowed() {
    OpenFile a = open(1, F);
    assertThat(lk(1, a, LeaseType.WRLCK, 5, -5)).isEqualTo(GRANTED);
    assertThat(lk(1, a, LeaseType.WRLCK, 5, -6)).isEqualTo(new PosixLocks.Outcome.Failed(Errno.EINVAL));
    assertThat(locks(F)).containsExactly("1:WRITE:0-4");
  }

  @Test
  void aLockRestoredBesideLiveOnesTakesItsPlaceByOwner() {
    OpenFile live = open(5, F);
    lk(5, live, LeaseType.RDLCK, 0, 1);
    long id = F.ino() << 24 | 100;
    SavedLocks img = new SavedLocks(45, true, List.of(new SavedLocks.File(id, F, AccessMode.O_RDWR, false, 0, 0, -1)),
        List.of(), List.of(new SavedLocks.Posix(F.ino(), new PosixLock(2, LeaseType.RDLCK, 10, 10))));
    table.restore(img, Set.of(2), Map.of(id, 1), Set.of(), RestartPolicy.REMAINING, false, 0, Map.of(), ev);
    assertThat(locks(F)).containsExactly("2:READ:10-10", "5:READ:0-0");
  }

  @Test
  void anOfdUnlockWakesAnOfdWaiter() {
    OpenFile a = open(1, F);
    OpenFile b = open(2, F);
    assertThat(table.setOfdLk(1, 0, F.ino(), a.id(), LeaseType.WRLCK.value, 0, 1, 0, false, ev)).isEqualTo(GRANTED);
    assertThat(table.setOfdLk(2, 7, F.ino(), b.id(), LeaseType.WRLCK.value, 0, 1, 0, true, ev))
        .isInstanceOf(PosixLocks.Outcome.Blocked.class);
    assertThat(table.setOfdLk(1, 0, F.ino(), a.id(), LeaseType.UNLCK.value, 0, 1, 0, false, ev)).isEqualTo(GRANTED);
    assertThat(granted).containsExactly("2#7");
  }

  // ------------------------------------------------------------------ flock

  private FlockLocks.Outcome flock(int pid, long req, OpenFile f, int op) {
    return table.flock(pid, req, f.inode().ino(), f.id(), op, ev);
  }

  @Test
  void oneFlockWaiterGivingUpOrGoingAwayLeavesTheOthersWaiting() {
    OpenFile a = open(1, F);
    OpenFile b = open(2, F);
    OpenFile c = open(3, F);
    OpenFile d = open(4, F);
    flock(1, 0, a, FlockLocks.LOCK_EX);
    assertThat(flock(2, 7, b, FlockLocks.LOCK_SH)).isInstanceOf(FlockLocks.Outcome.Blocked.class);
    assertThat(flock(3, 8, c, FlockLocks.LOCK_SH)).isInstanceOf(FlockLocks.Outcome.Blocked.class);
    assertThat(flock(4, 9, d, FlockLocks.LOCK_SH)).isInstanceOf(FlockLocks.Outcome.Blocked.class);
    assertThat(table.abandonLk(F.ino(), 2, 7)).isTrue();
    assertThat(table.forgetProcess(3, ev)).containsExactly(F.ino());
    assertThat(table.context(F.ino()).flockBlocked).extracting(FlockLocks.Waiter::pid).containsExactly(4);
    flock(1, 0, a, FlockLocks.LOCK_UN);
    assertThat(granted).containsExactly("flock 4#9");
  }

  @Test
  void sharedFlockWaitersWokenTogetherAllGetTheirLocks() {
    OpenFile a = open(1, F);
    OpenFile b = open(2, F);
    OpenFile c = open(3, F);
    flock(1, 0, a, FlockLocks.LOCK_EX);
    flock(2, 7, b, FlockLocks.LOCK_SH);
    flock(3, 8, c, FlockLocks.LOCK_SH);
    flock(1, 0, a, FlockLocks.LOCK_UN);
    assertThat(granted).containsExactly("flock 2#7", "flock 3#8");
    assertThat(table.context(F.ino()).flock).containsExactly(new FlockLock(b.id(), 2, LeaseType.RDLCK),
        new FlockLock(c.id(), 3, LeaseType.RDLCK));
  }

  @Test
  void aWokenFlockConversionReplacesWhatItsDescriptionGotMeanwhile() {
    // 1 and 2 share description d (fork); 3 has its own, q
    OpenFile d = open(1, F);
    table.get(F.ino(), d.id());
    OpenFile q = open(3, F);
    flock(1, 0, d, FlockLocks.LOCK_SH);
    flock(3, 0, q, FlockLocks.LOCK_SH);
    // 1 converts to LOCK_EX: d's shared lock goes first, then it sleeps behind q's
    assertThat(flock(1, 5, d, FlockLocks.LOCK_EX)).isInstanceOf(FlockLocks.Outcome.Blocked.class);
    assertThat(flock(2, 0, d, FlockLocks.LOCK_SH)).isEqualTo(new FlockLocks.Outcome.Granted()); // d shares again
    flock(3, 0, q, FlockLocks.LOCK_UN);
    assertThat(granted).containsExactly("flock 1#5");
    assertThat(table.context(F.ino()).flock).containsExactly(new FlockLock(d.id(), 1, LeaseType.WRLCK));
  }
}
