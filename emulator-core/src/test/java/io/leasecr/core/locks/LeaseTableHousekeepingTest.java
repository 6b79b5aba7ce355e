package io.leasecr.core.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The table's bookkeeping: an idle inode is forgotten, a process that goes away without closing leaves nothing
 * behind, F_SETSIG's range, a restore beside live processes that refuses what conflicts, and the small enums.
 */
class LeaseTableHousekeepingTest {

  private static final Inode F = new Inode(1001, "00:2a", "/f", 0, Inode.Kind.REGULAR, true);
  private static final Inode G = new Inode(1002, "00:2a", "/g", 0, Inode.Kind.REGULAR, true);

  private final LeaseTable table = new LeaseTable(45, true);
  private final List<String> notes = new ArrayList<>();
  private final List<String> granted = new ArrayList<>();
  private final LeaseTableTest.Recorder rec = new LeaseTableTest.Recorder();
  private final LockEvents ev = new LockEvents() {
    @Override
    public void signal(int pid, int signo, int siCode, int siFd, Lease lease) {
      rec.signal(pid, signo, siCode, siFd, lease);
    }

    @Override
    public void unblocked(BlockedOpener opener) {
      rec.unblocked(opener);
    }

    @Override
    public void leaseChanged(Lease lease, String change) {}

    @Override
    public void posixGranted(PosixLocks.Waiter w) {
      granted.add("posix " + w.pid());
    }

    @Override
    public void flockGranted(FlockLocks.Waiter w) {
      granted.add("flock " + w.pid());
    }

    @Override
    public void note(int pid, String text) {
      notes.add(text);
    }
  };

  private OpenFile open(int pid, Inode inode, AccessMode mode, long now) {
    return ((LeaseTable.Outcome.Done) table.open(pid, 0, inode, mode, false, now, ev)).file();
  }

  @Test
  void anInodeNobodyUsesIsForgotten() {
    OpenFile f = open(1, F, AccessMode.O_RDONLY, 0);
    assertThat(table.context(F.ino())).isNotNull();
    table.put(1, F.ino(), f.id(), 0, ev);
    assertThat(table.context(F.ino())).isNull();
    assertThat(table.truncate(2, 1, G, 0, ev)).isEqualTo(new LeaseTable.Outcome.Done(null));
    assertThat(table.context(G.ino())).isNull();
    // a blocked opener that gives up, the last thing on the inode once the holder is gone
    OpenFile h = open(1, F, AccessMode.O_RDONLY, 0);
    table.setLease(1, 3, F.ino(), h.id(), LeaseType.RDLCK.value, Credentials.ROOT, 0, ev);
    table.open(2, 7, F, AccessMode.O_WRONLY, false, 1000, ev);
    table.put(1, F.ino(), h.id(), 1000, ev); // the last close releases the lease and wakes the opener
    assertThat(rec.unblocked).extracting(BlockedOpener::pid).containsExactly(2);
    OpenFile opened = rec.unblocked.get(0).file();
    table.put(2, F.ino(), opened.id(), 2000, ev);
    assertThat(table.context(F.ino())).isNull();
    assertThat(table.nextDeadline(F.ino())).isZero();
    assertThat(table.sleeperWakeTime(F.ino())).isZero();
    assertThat(table.abandon(F.ino(), 2, 7)).isFalse();
    assertThat(table.abandonLk(F.ino(), 2, 7)).isFalse();
    assertThat(table.getLease(F.ino(), 5, 0, ev)).isNull();
  }

  @Test
  void timingOutTheLastLeaseOfAnIdleInodeForgetsIt() {
    OpenFile h = open(1, F, AccessMode.O_RDONLY, 0);
    table.setLease(1, 3, F.ino(), h.id(), LeaseType.RDLCK.value, Credentials.ROOT, 0, ev);
    table.open(2, 7, F, AccessMode.O_WRONLY, false, 1000, ev);
    assertThat(table.nextDeadline(F.ino())).isEqualTo(46_000);
    assertThat(table.abandon(F.ino(), 2, 7)).isTrue();
    table.put(1, F.ino(), h.id(), 2000, ev);
    assertThat(table.context(F.ino())).isNull();
    table.timeOutLeases(F.ino(), 50_000, ev); // nothing there: no error
    table.wakeSleepers(F.ino(), 50_000, ev);
    assertThat(table.contexts()).isEmpty();
  }

  @Test
  void aProcessThatGoesAwayLeavesNoSleepOrLockBehind() {
    OpenFile h = open(1, F, AccessMode.O_RDWR, 0);
    OpenFile other = open(2, G, AccessMode.O_RDWR, 0);
    OpenFile mine = open(3, G, AccessMode.O_RDWR, 0);
    table.setLk(2, 0, G.ino(), other.id(), LeaseType.WRLCK.value, 0, 1, false, ev);
    table.setLk(3, 0, G.ino(), mine.id(), LeaseType.WRLCK.value, 5, 1, false, ev);
    table.setLk(3, 9, G.ino(), mine.id(), LeaseType.WRLCK.value, 0, 1, true, ev); // 3 sleeps on 2's lock
    table.flock(2, 0, G.ino(), other.id(), FlockLocks.LOCK_EX, ev);
    table.flock(3, 10, G.ino(), mine.id(), FlockLocks.LOCK_EX, ev); // and in flock
    table.setLease(1, 3, F.ino(), h.id(), LeaseType.WRLCK.value, Credentials.ROOT, 0, ev);
    table.open(3, 11, F, AccessMode.O_RDONLY, false, 0, ev); // and in open
    assertThat(table.pidsWithEntries()).containsExactlyInAnyOrder(2, 3);
    OpenFile waiterFor4 = open(4, G, AccessMode.O_RDWR, 0);
    table.setLk(4, 12, G.ino(), waiterFor4.id(), LeaseType.WRLCK.value, 5, 1, true, ev); // 4 waits on 3's lock
    assertThat(table.forgetProcess(3, ev)).containsExactlyInAnyOrder(F.ino(), G.ino());
    assertThat(table.pidsWithEntries()).containsExactlyInAnyOrder(2, 4);
    assertThat(granted).containsExactly("posix 4");
    assertThat(table.forgetProcess(3, ev)).isEmpty();
    assertThat(table.context(F.ino()).blocked()).isEmpty();
    assertThat(table.context(F.ino()).writeCount()).isEqualTo(1);
    assertThat(table.context(F.ino()).readCount()).isZero();
    // 2's own sleep-free entries go with it too
    assertThat(table.forgetProcess(2, ev)).containsExactly(G.ino());
    assertThat(table.pidsWithEntries()).containsExactly(4);
  }

  @Test
  void fSetsigTakesZeroToTheLastRealtimeSignal() {
    OpenFile f = open(1, F, AccessMode.O_RDONLY, 0);
    OpenFile path = open(1, F, AccessMode.O_PATH, 0);
    assertThat(table.setSig(F.ino(), f.id(), 0)).isNull();
    assertThat(table.setSig(F.ino(), f.id(), Signals.SIGRTMAX)).isNull();
    assertThat(f.signum()).isEqualTo(64);
    assertThat(table.setSig(F.ino(), f.id(), Signals.SIGRTMAX + 1)).isEqualTo(Errno.EINVAL);
    assertThat(table.setSig(F.ino(), f.id(), -1)).isEqualTo(Errno.EINVAL);
    assertThat(table.setSig(F.ino(), path.id(), 10)).isEqualTo(Errno.EBADF);
    assertThat(table.setSig(F.ino(), 77, 10)).isEqualTo(Errno.EBADF);
  }

  @Test
  void sysctlsAreTheTablesUntilARestoreOnAnEmptyTableBringsTheImagesBack() {
    table.setLeaseBreakTime(7);
    table.setLeasesEnable(false);
    assertThat(table.leaseBreakTime()).isEqualTo(7);
    assertThat(table.leasesEnable()).isFalse();
    SavedLocks s = new LeaseTable(30, true).save(0);
    table.restore(s, Set.of(), Map.of(), Set.of(), RestartPolicy.REMAINING, false, 0, Map.of(), ev);
    assertThat(table.leaseBreakTime()).isEqualTo(30);
    assertThat(table.leasesEnable()).isTrue();
  }

  /** The image: pid 1 holds a read lease on F and a write lock on G [0,9]; pid 5 has F open for reading. */
  private static SavedLocks image() {
    LeaseTable t = new LeaseTable(45, true);
    LockEvents none = new LeaseTableTest.Recorder();
    OpenFile p1 = ((LeaseTable.Outcome.Done) t.open(1, 0, F, AccessMode.O_PATH, false, 0, none)).file();
    OpenFile f = ((LeaseTable.Outcome.Done) t.open(1, 0, F, AccessMode.O_RDONLY, false, 0, none)).file();
    t.put(1, F.ino(), p1.id(), 0, none); // the image's descriptions are the second of each file: no live id
    t.setLease(1, 3, F.ino(), f.id(), LeaseType.RDLCK.value, Credentials.ROOT, 0, none);
    OpenFile p2 = ((LeaseTable.Outcome.Done) t.open(1, 0, G, AccessMode.O_PATH, false, 0, none)).file();
    OpenFile g = ((LeaseTable.Outcome.Done) t.open(1, 0, G, AccessMode.O_RDWR, false, 0, none)).file();
    t.put(1, G.ino(), p2.id(), 0, none);
    t.setLk(1, 0, G.ino(), g.id(), LeaseType.WRLCK.value, 0, 10, false, none);
    return t.save(0);
  }

  private static Map<Long, Integer> everyFile(SavedLocks s) {
    Map<Long, Integer> refs = new java.util.HashMap<>();
    s.files().forEach(f -> refs.put(f.id(), 1));
    return refs;
  }

  @Test
  void besideLiveProcessesWhatConflictsIsRefusedAndSaidSo() {
    // live: pid 2 has F open for writing and a read lock on G over [5,5]
    OpenFile w = open(2, F, AccessMode.O_WRONLY, 0);
    OpenFile g = open(2, G, AccessMode.O_RDWR, 0);
    table.setLk(2, 0, G.ino(), g.id(), LeaseType.RDLCK.value, 5, 1, false, ev);
    SavedLocks s = image();
    Set<Long> restored = table.restore(s, Set.of(1), everyFile(s), Set.of(), RestartPolicy.REMAINING, false, 100,
        Map.of(), ev);
    assertThat(restored).hasSize(2);
    assertThat(notes).containsExactly(
        "pid 1: the restored POSIX WRITE lock on /g [0, 9] is refused (F_SETLK: EAGAIN): pid 2 holds a READ lock on [5, 5]",
        "pid 1: the restored READ lease on /f is refused (F_SETLEASE: EAGAIN): the file is open for writing");
    assertThat(table.context(F.ino()).leases()).isEmpty();
    assertThat(table.leaseBreakTime()).isEqualTo(45); // the live sysctls stay
    assertThat(w).isNotNull();
  }

  @Test
  void besideALiveWriteLeaseARestoredReadLeaseIsRefused() {
    Inode h = new Inode(1003, "00:2a", "/h", 0, Inode.Kind.REGULAR, true);
    OpenFile live = open(7, h, AccessMode.O_RDONLY, 0);
    table.setLease(7, 3, h.ino(), live.id(), LeaseType.RDLCK.value, Credentials.ROOT, 0, ev);
    SavedLocks s = image();
    table.restore(s, Set.of(1), everyFile(s), Set.of(), RestartPolicy.REMAINING, false, 100, Map.of(), ev);
    assertThat(notes).isEmpty(); // another inode: nothing conflicts
    assertThat(table.context(F.ino()).leases()).hasSize(1);
    assertThat(table.context(G.ino()).posix).containsExactly(new PosixLock(1, LeaseType.WRLCK, 0, 9));
    // a write lease of another process on F: the same image's read lease is refused there
    LeaseTable t2 = new LeaseTable(45, true);
    LockEvents noted = ev;
    OpenFile lw = ((LeaseTable.Outcome.Done) t2.open(8, 0, F, AccessMode.O_RDONLY, false, 0, noted)).file();
    t2.setLease(8, 3, F.ino(), lw.id(), LeaseType.WRLCK.value, Credentials.ROOT, 0, noted);
    SavedLocks img = imageWithoutOtherOpens();
    t2.restore(img, Set.of(1), everyFile(img), Set.of(), RestartPolicy.REMAINING, false, 100, Map.of(), noted);
    assertThat(notes).containsExactly(
        "pid 1: the restored READ lease on /f is refused (F_SETLEASE: EAGAIN): pid 8 holds a WRITE lease");
    // a live open numbered like the image's description (a table restarted empty since): the live one stays
    LeaseTable t3 = new LeaseTable(45, true);
    t3.open(9, 0, F, AccessMode.O_RDONLY, false, 0, noted);
    OpenFile same = ((LeaseTable.Outcome.Done) t3.open(9, 0, F, AccessMode.O_RDONLY, false, 0, noted)).file();
    notes.clear();
    Set<Long> back = t3.restore(img, Set.of(1), everyFile(img), Set.of(), RestartPolicy.REMAINING, false, 100,
        Map.of(), noted);
    assertThat(back).isEmpty();
    assertThat(notes).containsExactly("open file description " + same.id() + " of /f is not restored: a live open "
        + "has that id");
    assertThat(t3.context(F.ino()).file(same.id()).ownerPid()).isZero();
  }

  private static SavedLocks imageWithoutOtherOpens() {
    LeaseTable t = new LeaseTable(45, true);
    LockEvents none = new LeaseTableTest.Recorder();
    OpenFile p1 = ((LeaseTable.Outcome.Done) t.open(1, 0, F, AccessMode.O_PATH, false, 0, none)).file();
    OpenFile f = ((LeaseTable.Outcome.Done) t.open(1, 0, F, AccessMode.O_RDONLY, false, 0, none)).file();
    t.put(1, F.ino(), p1.id(), 0, none);
    t.setLease(1, 3, F.ino(), f.id(), LeaseType.RDLCK.value, Credentials.ROOT, 0, none);
    return t.save(0);
  }

  @Test
  void theSmallEnumsAndNames() {
    assertThat(Errno.EAGAIN.sameAs(Errno.EWOULDBLOCK)).isTrue();
    assertThat(Errno.EAGAIN.sameAs(Errno.EINVAL)).isFalse();
    assertThat(Errno.EAGAIN.sameAs(null)).isFalse();
    assertThat(Errno.parse(" EDEADLK ")).isEqualTo(Errno.EDEADLK);
    assertThat(Fault.LATE_DEADLINE.configName()).isEqualTo("late-deadline");
    assertThat(Fault.parse(" resignal-later-openers")).isEqualTo(Fault.RESIGNAL_LATER_OPENERS);
    assertThatThrownBy(() -> Fault.parse("nope")).isInstanceOf(IllegalArgumentException.class);
    assertThat(LeaseType.WRLCK.fcntlName()).isEqualTo("F_WRLCK");
    assertThat(FlockLocks.opName(FlockLocks.LOCK_EX | FlockLocks.LOCK_NB)).isEqualTo("LOCK_EX|LOCK_NB");
    assertThat(FlockLocks.opName(FlockLocks.LOCK_SH)).isEqualTo("LOCK_SH");
    assertThat(FlockLocks.opName(FlockLocks.LOCK_UN)).isEqualTo("LOCK_UN");
    assertThat(FlockLocks.opName(FlockLocks.LOCK_MAND | FlockLocks.LOCK_SH)).isEqualTo("33");
    assertThat(FlockLocks.opName(3 | FlockLocks.LOCK_NB)).isEqualTo("3|LOCK_NB");
    assertThat(new SavedLocks.Saved(1, 1, LeaseType.WRLCK, false, true, LeaseType.WRLCK, true, 0).targetType())
        .isEqualTo(LeaseType.RDLCK);
    assertThat(new SavedLocks.Saved(1, 1, LeaseType.WRLCK, true, false, LeaseType.WRLCK, true, 0).targetType())
        .isEqualTo(LeaseType.UNLCK);
  }

  @Test
  void describedOpensAndLeasesSayWhatTheyAre() {
    OpenFile f = ((LeaseTable.Outcome.Done) table.open(4, 0, F, AccessMode.O_RDONLY, true, 0, ev)).file();
    table.get(F.ino(), f.id());
    assertThat(f.mode()).isEqualTo(AccessMode.O_RDONLY);
    assertThat(f.nonblock()).isTrue();
    assertThat(f.refs()).isEqualTo(2);
    table.setLease(4, 3, F.ino(), f.id(), LeaseType.RDLCK.value, Credentials.ROOT, 0, ev);
    assertThat(f.ownerPid()).isEqualTo(4);
    assertThat(f.signum()).isZero();
    Lease l = table.context(F.ino()).leases().get(0);
    assertThat(l.pid()).isEqualTo(4);
    assertThat(l.file()).isSameAs(f);
    assertThat(table.context(F.ino()).inode()).isEqualTo(F);
    assertThat(table.context(F.ino()).file(f.id())).isSameAs(f);
  }
}
