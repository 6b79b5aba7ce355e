package io.leasecr.core.locks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the CI mutation set (issue 20) still let through in LeaseTable: fifo and directory opens, the faults that
 * conformance must catch, description ids, the order of the image and of /proc/locks, the words of a lease
 * change, the restore's deadline and ids, leases and locks re-taken beside live ones, and what a whole-tree
 * restart or a vanished process leaves behind. The Linux rules among them were checked on this machine's
 * kernel (6.18): ENXIO for a non-blocking fifo writer without a reader (O_PATH is no reader), EAGAIN for a new
 * read lease while another is being broken for a writer that gave up.
 */
class LeaseTableEdgesTest {

  private static final Inode F = new Inode(1001, "00:2a", "/f", 0, Inode.Kind.REGULAR, true);
  // HashMap<Long, ...> keeps 16 before 15 (bucket 0 before 15): orders that depend on a sort show
  private static final Inode I15 = new Inode(15, "00:2a", "/i15", 0, Inode.Kind.REGULAR, true);
  private static final Inode I16 = new Inode(16, "00:2a", "/i16", 0, Inode.Kind.REGULAR, true);
  private static final Inode FIFO = new Inode(30, "00:2a", "/run/fifo", 0, Inode.Kind.FIFO, true);
  private static final Inode DIR = new Inode(31, "00:2a", "/d", 0, Inode.Kind.DIRECTORY, true);

  private final LeaseTable table = new LeaseTable(45, true);
  private final LeaseTableTest.Recorder ev = new LeaseTableTest.Recorder();

  private static OpenFile open(LeaseTable t, int pid, Inode inode, AccessMode mode, LockEvents ev) {
    LeaseTable.Outcome o = t.open(pid, 0, inode, mode, false, 0, ev);
    assertThat(o).isInstanceOf(LeaseTable.Outcome.Done.class);
    return ((LeaseTable.Outcome.Done) o).file();
  }

  private OpenFile open(int pid, Inode inode, AccessMode mode) {
    return open(table, pid, inode, mode, ev);
  }

  private static Errno setLease(LeaseTable t, int pid, OpenFile f, LeaseType type, long now, LockEvents ev) {
    return t.setLease(pid, 3, f.inode().ino(), f.id(), type.value, Credentials.ROOT, now, ev);
  }

  private Errno setLease(int pid, OpenFile f, LeaseType type, long now) {
    return setLease(table, pid, f, type, now, ev);
  }

  // ------------------------------------------------------------------ fifos, directories, truncate

  @Test
  void aNonBlockingFifoWriterNeedsAReaderAndLeavesNothingBehindWhenRefused() {
    LeaseTable.Outcome enxio = new LeaseTable.Outcome.Failed(Errno.ENXIO);
    assertThat(table.open(2, 0, FIFO, AccessMode.O_WRONLY, true, 0, ev)).isEqualTo(enxio);
    assertThat(table.context(FIFO.ino())).isNull(); // no idle context kept for a refused open
    OpenFile path = open(1, FIFO, AccessMode.O_PATH);
    assertThat(table.open(2, 0, FIFO, AccessMode.O_WRONLY, true, 0, ev)).isEqualTo(enxio); // O_PATH reads nothing
    OpenFile rdwr = ((LeaseTable.Outcome.Done) table.open(1, 0, FIFO, AccessMode.O_RDWR, true, 0, ev)).file();
    assertThat(rdwr.nonblock()).isTrue();
    assertThat(table.open(2, 0, FIFO, AccessMode.O_WRONLY, true, 0, ev)).isInstanceOf(LeaseTable.Outcome.Done.class);
    table.put(1, FIFO.ino(), rdwr.id(), 0, ev);
    // a non-blocking reader opens at once, without a writer; then a writer finds it
    assertThat(table.open(3, 0, FIFO, AccessMode.O_RDONLY, true, 0, ev)).isInstanceOf(LeaseTable.Outcome.Done.class);
    assertThat(table.open(2, 0, FIFO, AccessMode.O_WRONLY, true, 0, ev)).isInstanceOf(LeaseTable.Outcome.Done.class);
    assertThat(path.nonblock()).isFalse();
    // a regular file has no such rule
    assertThat(table.open(2, 0, F, AccessMode.O_WRONLY, true, 0, ev)).isInstanceOf(LeaseTable.Outcome.Done.class);
  }

  @Test
  void directoriesOpenForReadingOnlyAndFifosHaveNoLengthToCut() {
    assertThat(table.open(1, 0, DIR, AccessMode.O_WRONLY, false, 0, ev))
        .isEqualTo(new LeaseTable.Outcome.Failed(Errno.EISDIR));
    assertThat(table.open(1, 0, DIR, AccessMode.O_RDWR, false, 0, ev))
        .isEqualTo(new LeaseTable.Outcome.Failed(Errno.EISDIR));
    assertThat(table.open(1, 0, DIR, AccessMode.O_RDONLY, false, 0, ev)).isInstanceOf(LeaseTable.Outcome.Done.class);
    assertThat(table.truncate(1, 0, DIR, 0, ev)).isEqualTo(new LeaseTable.Outcome.Failed(Errno.EISDIR));
    assertThat(table.truncate(1, 0, FIFO, 0, ev)).isEqualTo(new LeaseTable.Outcome.Failed(Errno.EINVAL));
  }

  @Test
  void blockedTruncatesHaveDescriptionsOfTheirOwnNamedAfterTheInode() {
    OpenFile holder = open(1, F, AccessMode.O_RDONLY);
    setLease(1, holder, LeaseType.RDLCK, 0);
    LeaseTable.Outcome.Blocked a = (LeaseTable.Outcome.Blocked) table.truncate(2, 5, F, 1000, ev);
    LeaseTable.Outcome.Blocked b = (LeaseTable.Outcome.Blocked) table.truncate(3, 6, F, 1000, ev);
    OpenFile other = open(4, F, AccessMode.O_RDONLY);
    // ids are the inode in the high bits and a count below: unique in the table, and each one found again
    for (OpenFile f : List.of(holder, a.opener().file(), b.opener().file(), other)) {
      assertThat(f.id() >>> 24).isEqualTo(F.ino());
      assertThat(table.fileOf(F.ino(), f.id())).isSameAs(f);
    }
    assertThat(List.of(holder.id(), a.opener().file().id(), b.opener().file().id(), other.id()))
        .doesNotHaveDuplicates();
    assertThat(table.context(F.ino()).writeCount()).isEqualTo(2);
  }

  // ------------------------------------------------------------------ the faults conformance must catch

  @Test
  void theLateDeadlineFaultMovesTheDeadlineButNotANoDeadlineBreak() {
    LeaseTable late = new LeaseTable(45, true, Set.of(Fault.LATE_DEADLINE));
    OpenFile holder = open(late, 1, F, AccessMode.O_RDONLY, ev);
    setLease(late, 1, holder, LeaseType.RDLCK, 0, ev);
    late.open(2, 7, F, AccessMode.O_WRONLY, false, 1000, ev);
    assertThat(late.nextDeadline(F.ino())).isEqualTo(1000 + 45_000 + 45 * 200);

    LeaseTable never = new LeaseTable(0, true, Set.of(Fault.LATE_DEADLINE));
    OpenFile h2 = open(never, 1, F, AccessMode.O_RDONLY, ev);
    setLease(never, 1, h2, LeaseType.RDLCK, 0, ev);
    never.open(2, 7, F, AccessMode.O_WRONLY, false, 1000, ev);
    assertThat(never.context(F.ino()).leases().get(0).breaking()).isTrue();
    assertThat(never.nextDeadline(F.ino())).isZero();
  }

  @Test
  void theResignalFaultSignalsTheHolderForEveryLaterWriter() {
    LeaseTable resignal = new LeaseTable(45, true, Set.of(Fault.RESIGNAL_LATER_OPENERS));
    OpenFile holder = open(resignal, 1, F, AccessMode.O_RDONLY, ev);
    setLease(resignal, 1, holder, LeaseType.RDLCK, 0, ev);
    resignal.open(2, 7, F, AccessMode.O_WRONLY, false, 1000, ev);
    resignal.open(3, 8, F, AccessMode.O_WRONLY, false, 2000, ev);
    assertThat(ev.signals).containsExactly("1:SIGIO:SI_KERNEL:-1", "1:SIGIO:SI_KERNEL:-1");
    assertThat(resignal.nextDeadline(F.ino())).isEqualTo(46_000); // the deadline still does not move
  }

  // ------------------------------------------------------------------ leases

  @Test
  void noNewReadLeaseWhileAnotherIsBrokenForAWriterThatGaveUp() {
    OpenFile a = open(1, F, AccessMode.O_RDONLY);
    assertThat(setLease(1, a, LeaseType.RDLCK, 0)).isNull();
    assertThat(table.open(2, 0, F, AccessMode.O_WRONLY, true, 1000, ev))
        .isEqualTo(new LeaseTable.Outcome.Failed(Errno.EWOULDBLOCK));
    OpenFile b = open(3, F, AccessMode.O_RDONLY);
    assertThat(setLease(3, b, LeaseType.RDLCK, 2000)).isEqualTo(Errno.EAGAIN);
    // the holder may still change its own lease (its break goes on)
    assertThat(setLease(1, a, LeaseType.RDLCK, 2000)).isNull();
  }

  @Test
  void anOpenerSleepingThroughADowngradeWakesAtTheDowngradeDeadline() {
    OpenFile h = open(1, F, AccessMode.O_RDONLY);
    setLease(1, h, LeaseType.WRLCK, 0);
    assertThat(table.open(2, 7, F, AccessMode.O_RDONLY, false, 1000, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(table.context(F.ino()).leases().get(0).breakTime()).isZero(); // no fl_break_time: a downgrade
    assertThat(table.sleeperWakeTime(F.ino())).isEqualTo(46_000);
    table.wakeSleepers(F.ino(), 46_000, ev);
    assertThat(ev.unblocked).extracting(BlockedOpener::pid).containsExactly(2);
  }

  @Test
  void aLeaseChangeSaysWhetherTheTypeChanged() {
    OpenFile a = open(1, F, AccessMode.O_RDONLY);
    setLease(1, a, LeaseType.RDLCK, 0);
    setLease(1, a, LeaseType.RDLCK, 0);
    setLease(1, a, LeaseType.WRLCK, 0);
    assertThat(ev.changes).containsExactly("acquired", "set again", "changed READ -> WRITE");
  }

  @Test
  void flockWithLockMandIsIgnoredAndAnUnlockWithoutALockSucceeds() {
    OpenFile a = open(1, F, AccessMode.O_RDONLY);
    assertThat(table.flock(1, 0, F.ino(), a.id(), FlockLocks.LOCK_MAND | FlockLocks.LOCK_SH, ev))
        .isEqualTo(new FlockLocks.Outcome.Granted());
    assertThat(table.context(F.ino()).flock).isEmpty();
    assertThat(table.flock(1, 0, F.ino(), a.id(), FlockLocks.LOCK_UN, ev)).isEqualTo(new FlockLocks.Outcome.Granted());
    assertThat(table.flock(1, 0, F.ino(), a.id(), FlockLocks.LOCK_SH, ev)).isEqualTo(new FlockLocks.Outcome.Granted());
    assertThat(table.flock(1, 0, F.ino(), a.id(), FlockLocks.LOCK_UN, ev)).isEqualTo(new FlockLocks.Outcome.Granted());
    assertThat(table.context(F.ino()).flock).isEmpty();
  }

  @Test
  void ofdCallsOnAnOPathFdAreEbadf() {
    OpenFile p = open(1, F, AccessMode.O_PATH);
    assertThat(table.getOfdLk(1, F.ino(), p.id(), LeaseType.WRLCK.value, 0, 1, 0))
        .isEqualTo(new GetLk.Failed(Errno.EBADF));
    assertThat(table.setOfdLk(1, 0, F.ino(), p.id(), LeaseType.WRLCK.value, 0, 1, 0, false, ev))
        .isEqualTo(new PosixLocks.Outcome.Failed(Errno.EBADF));
    assertThat(new GetLk.Failed(Errno.EBADF).lType()).isEqualTo(-1);
  }

  @Test
  void ofdGetlkWithFUnlckAsksForTheDescriptionsOwnLock() {
    // checked on 6.18: F_UNLCK back without an own lock on the range, the own lock (l_pid -1) with one
    OpenFile a = open(1, F, AccessMode.O_RDWR);
    assertThat(table.getOfdLk(1, F.ino(), a.id(), LeaseType.UNLCK.value, 0, 1, 0)).isEqualTo(GetLk.UNLOCKED);
    table.setOfdLk(1, 0, F.ino(), a.id(), LeaseType.WRLCK.value, 0, 1, 0, false, ev);
    assertThat(table.getOfdLk(1, F.ino(), a.id(), LeaseType.UNLCK.value, 0, 1, 0)).isInstanceOf(GetLk.Locked.class);
  }

  // ------------------------------------------------------------------ order: the image and /proc/locks

  @Test
  void theImageListsInodesAndDescriptionsByIdAndLeasesInTheOrderTheyWereTaken() {
    OpenFile on16 = open(1, I16, AccessMode.O_RDONLY);
    OpenFile on15 = open(2, I15, AccessMode.O_RDONLY);
    List<OpenFile> onF = new ArrayList<>();
    for (int i = 0; i < 4; i++) { // the ids of /f (inode 1001) hash out of order: 3, 2, 1, 4
      onF.add(open(3, F, AccessMode.O_RDONLY));
    }
    setLease(1, on16, LeaseType.RDLCK, 0);
    setLease(2, on15, LeaseType.RDLCK, 0);
    SavedLocks s = table.save(0);
    assertThat(s.files()).extracting(SavedLocks.File::id).containsExactly(on15.id(), on16.id(), onF.get(0).id(),
        onF.get(1).id(), onF.get(2).id(), onF.get(3).id());
    assertThat(s.leases()).extracting(SavedLocks.Saved::pid).containsExactly(1, 2);
  }

  @Test
  void procLocksListsLeasesInTheOrderTheyWereTakenAndLocksByInode() {
    OpenFile on16 = open(1, I16, AccessMode.O_RDWR);
    OpenFile on15 = open(2, I15, AccessMode.O_RDWR);
    setLease(2, on15, LeaseType.WRLCK, 0);
    setLease(1, on16, LeaseType.WRLCK, 0);
    table.setLk(1, 0, I16.ino(), on16.id(), LeaseType.WRLCK.value, 0, 0, false, ev);
    table.setLk(2, 0, I15.ino(), on15.id(), LeaseType.WRLCK.value, 0, 0, false, ev);
    assertThat(ProcLocks.render(table)).containsExactly(
        "1: LEASE  ACTIVE    WRITE 2 00:2a:15 0 EOF",
        "2: LEASE  ACTIVE    WRITE 1 00:2a:16 0 EOF",
        "3: POSIX  ADVISORY  WRITE 2 00:2a:15 0 EOF",
        "4: POSIX  ADVISORY  WRITE 1 00:2a:16 0 EOF");
  }

  @Test
  void restoredLeasesKeepTheImageOrderAndNewOnesComeAfter() {
    OpenFile on16 = open(1, I16, AccessMode.O_RDONLY);
    OpenFile on15 = open(2, I15, AccessMode.O_RDONLY);
    setLease(1, on16, LeaseType.RDLCK, 0);
    setLease(2, on15, LeaseType.RDLCK, 0);
    SavedLocks s = table.save(0);
    LeaseTable t = new LeaseTable(45, true);
    t.restore(s, Set.of(1, 2), Map.of(on16.id(), 1, on15.id(), 1), Set.of(), RestartPolicy.REMAINING, false, 0,
        Map.of(), ev);
    OpenFile later = open(t, 3, I15, AccessMode.O_RDONLY, ev);
    setLease(t, 3, later, LeaseType.RDLCK, 0, ev);
    assertThat(ProcLocks.render(t)).containsExactly(
        "1: LEASE  ACTIVE    READ 1 00:2a:16 0 EOF",
        "2: LEASE  ACTIVE    READ 2 00:2a:15 0 EOF",
        "3: LEASE  ACTIVE    READ 3 00:2a:15 0 EOF");
    assertThat(t.save(0).leases()).extracting(SavedLocks.Saved::pid).containsExactly(1, 2, 3);
  }

  // ------------------------------------------------------------------ restore

  @Test
  void restoredDescriptionsKeepTheirIdsAndNewOpensNumberAfterThem() {
    long id3 = F.ino() << 24 | 3;
    long id5 = F.ino() << 24 | 5;
    SavedLocks s = new SavedLocks(45, true, List.of(new SavedLocks.File(id3, F, AccessMode.O_RDONLY, false, 0, 0, -1),
        new SavedLocks.File(id5, F, AccessMode.O_RDONLY, true, 0, 0, -1)), List.of(), List.of());
    assertThat(table.restore(s, Set.of(1), Map.of(id3, 1, id5, 2), Set.of(), RestartPolicy.REMAINING, false, 0,
        Map.of(), ev)).containsExactlyInAnyOrder(id3, id5);
    assertThat(table.fileOf(F.ino(), id5).refs()).isEqualTo(2);
    assertThat(table.fileOf(F.ino(), id5).nonblock()).isTrue();
    assertThat(open(1, F, AccessMode.O_RDONLY).id()).isEqualTo(F.ino() << 24 | 6);
    assertThat(open(1, F, AccessMode.O_RDONLY).id()).isEqualTo(F.ino() << 24 | 7);
  }

  /** P1's read lease broken by P2's writer at 1 s, saved at 41 s: 5 s left. */
  private SavedLocks brokenReadLease() {
    LeaseTable t = new LeaseTable(45, true);
    OpenFile holder = open(t, 1, F, AccessMode.O_RDONLY, LockEvents.NONE);
    setLease(t, 1, holder, LeaseType.RDLCK, 0, LockEvents.NONE);
    t.open(2, 7, F, AccessMode.O_WRONLY, false, 1000, LockEvents.NONE);
    return t.save(41_000);
  }

  private Lease restoreSeed(SavedLocks s, boolean breaker, RestartPolicy policy, long at) {
    LeaseTable t = new LeaseTable(45, true);
    t.restore(s, Set.of(1), Map.of(s.leases().get(0).fileId(), 1), breaker ? Set.of(F.ino()) : Set.of(), policy,
        RestartMode.SEED, at, Map.of(), ev);
    return t.context(F.ino()).leases().get(0);
  }

  @Test
  void aSeedRestoreSaysWhichDeadlineTheLeaseGot() {
    SavedLocks s = brokenReadLease();
    assertThat(restoreSeed(s, true, RestartPolicy.REMAINING, 100_000).restoredBreakTime).isEqualTo(105_000);
    assertThat(restoreSeed(s, false, RestartPolicy.REMAINING, 100_000).restoredBreakTime).isZero();
    // favor-breaker leaves nothing: the deadline is the restore itself, not "none"
    assertThat(restoreSeed(s, true, new RestartPolicy(RestartPolicy.Kind.FAVOR_BREAKER, 0), 100_000).restoredBreakTime)
        .isEqualTo(100_000);
    SavedLocks.Saved l = s.leases().get(0);
    SavedLocks noDeadline = new SavedLocks(45, true, s.files(), List.of(new SavedLocks.Saved(l.fileId(), l.pid(),
        l.type(), l.unlockPending(), l.downgradePending(), l.typePrev(), l.breakNotified(), -1)), List.of());
    assertThat(restoreSeed(noDeadline, true, RestartPolicy.REMAINING, 100_000).restoredBreakTime).isZero();
    assertThat(ev.changes).containsExactly(
        "restored to its type before the break (remaining)",
        "restored to its type before the break, no breaker restored",
        "restored to its type before the break (favor-breaker)",
        "restored to its type before the break, no deadline (remaining on an image without one)");
  }

  @Test
  void aKeepBreakRestoreOfADowngradeKeepsTheDowngrade() {
    LeaseTable t = new LeaseTable(45, true);
    OpenFile holder = open(t, 1, F, AccessMode.O_RDONLY, LockEvents.NONE);
    setLease(t, 1, holder, LeaseType.WRLCK, 0, LockEvents.NONE);
    t.open(2, 7, F, AccessMode.O_RDONLY, false, 1000, LockEvents.NONE); // a reader: downgrade pending
    SavedLocks s = t.save(41_000);
    assertThat(s.leases().get(0).downgradePending()).isTrue();
    assertThat(s.leases().get(0).unlockPending()).isFalse();
    table.restore(s, Set.of(1), Map.of(holder.id(), 1), Set.of(), RestartPolicy.REMAINING, RestartMode.KEEP_BREAK,
        100_000, Map.of(), ev);
    Lease l = table.context(F.ino()).leases().get(0);
    assertThat(l.targetType()).isEqualTo(LeaseType.RDLCK);
    assertThat(l.downgradeTime()).isEqualTo(105_000);
    assertThat(l.breakTime()).isZero();
    assertThat(l.typePrev()).isEqualTo(LeaseType.WRLCK);
    table.timeOutLeases(F.ino(), 105_000, ev);
    assertThat(l.type()).isEqualTo(LeaseType.RDLCK);
    assertThat(l.breaking()).isFalse();
  }

  @Test
  void aKeepBreakRestoreOfAnUnlockOverADowngradeIsAnUnlockOnly() {
    long id = F.ino() << 24 | 1;
    SavedLocks s = new SavedLocks(45, true, List.of(new SavedLocks.File(id, F, AccessMode.O_RDONLY, false, 1, 0, 3)),
        List.of(new SavedLocks.Saved(id, 1, LeaseType.WRLCK, true, true, LeaseType.WRLCK, true, 5000)), List.of());
    table.restore(s, Set.of(1), Map.of(id, 1), Set.of(), RestartPolicy.REMAINING, RestartMode.KEEP_BREAK, 100_000,
        Map.of(), ev);
    SavedLocks.Saved back = table.save(100_000).leases().get(0);
    assertThat(back.unlockPending()).isTrue();
    assertThat(back.downgradePending()).isFalse();
    assertThat(back.remainingMs()).isEqualTo(5000);
  }

  @Test
  void theEarliestOfTwoRestoredDeadlinesIsTheNextOne() {
    long a = F.ino() << 24 | 1;
    long b = F.ino() << 24 | 2;
    SavedLocks s = new SavedLocks(45, true, List.of(new SavedLocks.File(a, F, AccessMode.O_RDONLY, false, 1, 0, 3),
        new SavedLocks.File(b, F, AccessMode.O_RDONLY, false, 2, 0, 3)),
        List.of(new SavedLocks.Saved(a, 1, LeaseType.RDLCK, true, false, LeaseType.RDLCK, true, 5000),
            new SavedLocks.Saved(b, 2, LeaseType.RDLCK, true, false, LeaseType.RDLCK, true, 3000)), List.of());
    table.restore(s, Set.of(1, 2), Map.of(a, 1, b, 1), Set.of(), RestartPolicy.REMAINING, RestartMode.KEEP_BREAK,
        100_000, Map.of(), ev);
    assertThat(table.nextDeadline(F.ino())).isEqualTo(103_000);
  }

  @Test
  void aReadLeaseRestoredBesideLiveLeasesIsTakenOrRefusedAsFSetleaseWould() {
    OpenFile live = open(1, F, AccessMode.O_RDONLY);
    setLease(1, live, LeaseType.RDLCK, 0);
    OpenFile live2 = open(4, F, AccessMode.O_RDONLY);
    setLease(4, live2, LeaseType.RDLCK, 0);
    long id = F.ino() << 24 | 100;
    SavedLocks img = new SavedLocks(45, true, List.of(new SavedLocks.File(id, F, AccessMode.O_RDONLY, false, 3, 0, 3)),
        List.of(new SavedLocks.Saved(id, 3, LeaseType.RDLCK, false, false, null, false, -1)), List.of());
    table.restore(img, Set.of(3), Map.of(id, 1), Set.of(), RestartPolicy.REMAINING, false, 0, Map.of(), ev);
    assertThat(table.context(F.ino()).leases()).extracting(Lease::pid).containsExactly(1, 4, 3);
    assertThat(ev.notes).isEmpty();

    // beside a read lease being broken for a writer (who gave up: nobody has it open for writing), refused
    LeaseTable t = new LeaseTable(45, true);
    OpenFile h = open(t, 1, F, AccessMode.O_RDONLY, ev);
    setLease(t, 1, h, LeaseType.RDLCK, 0, ev);
    t.open(2, 0, F, AccessMode.O_WRONLY, true, 1000, ev);
    t.restore(img, Set.of(3), Map.of(id, 1), Set.of(), RestartPolicy.REMAINING, false, 2000, Map.of(), ev);
    assertThat(t.context(F.ino()).leases()).extracting(Lease::pid).containsExactly(1);
    assertThat(ev.notes).containsExactly("3: pid 3: the restored READ lease on /f is refused (F_SETLEASE: EAGAIN): "
        + "pid 1's lease is being broken for a writer");
  }

  // ------------------------------------------------------------------ a whole-tree restart, a process gone

  @Test
  void clearForgetsEveryInodeAndWhoWaitedForWhom() {
    OpenFile a = open(1, F, AccessMode.O_RDWR);
    OpenFile b = open(2, F, AccessMode.O_RDWR);
    table.setLk(1, 0, F.ino(), a.id(), LeaseType.WRLCK.value, 0, 1, false, ev);
    assertThat(table.setLk(2, 9, F.ino(), b.id(), LeaseType.WRLCK.value, 0, 1, true, ev))
        .isInstanceOf(PosixLocks.Outcome.Blocked.class); // 2 waits for 1
    table.clear();
    assertThat(table.context(F.ino())).isNull();
    assertThat(table.contexts()).isEmpty();
    // after the restart 2 holds a lock and 1 waits for it: no cycle (2's old wait is gone with the old tree)
    OpenFile a2 = open(1, I15, AccessMode.O_RDWR);
    OpenFile b2 = open(2, I15, AccessMode.O_RDWR);
    table.setLk(2, 0, I15.ino(), b2.id(), LeaseType.WRLCK.value, 0, 1, false, ev);
    assertThat(table.setLk(1, 3, I15.ino(), a2.id(), LeaseType.WRLCK.value, 0, 1, true, ev))
        .isInstanceOf(PosixLocks.Outcome.Blocked.class);
  }

  @Test
  void pidsWithEntriesNamesEverySleeperKindAndLockHolders() {
    OpenFile h = open(1, F, AccessMode.O_RDWR);
    setLease(1, h, LeaseType.WRLCK, 0);
    table.open(2, 7, F, AccessMode.O_RDONLY, false, 0, ev); // 2 sleeps in open
    OpenFile x = open(6, I15, AccessMode.O_RDWR);
    OpenFile y = open(3, I15, AccessMode.O_RDWR);
    table.setLk(6, 0, I15.ino(), x.id(), LeaseType.WRLCK.value, 0, 1, false, ev); // 6 holds a POSIX lock
    table.setLk(3, 8, I15.ino(), y.id(), LeaseType.WRLCK.value, 0, 1, true, ev); // 3 sleeps in F_SETLKW
    OpenFile u = open(5, I16, AccessMode.O_RDONLY);
    OpenFile v = open(4, I16, AccessMode.O_RDONLY);
    table.flock(5, 0, I16.ino(), u.id(), FlockLocks.LOCK_EX, ev);
    table.flock(4, 9, I16.ino(), v.id(), FlockLocks.LOCK_EX, ev); // 4 sleeps in flock
    // lease holders and flock holders are not there: their descriptions' closes drop what they hold
    assertThat(table.pidsWithEntries()).containsExactlyInAnyOrder(2, 3, 4, 6);
  }

  @Test
  void aGoneProcessThatOnlySleptInFSetlkwTouchesItsInode() {
    OpenFile a = open(1, F, AccessMode.O_RDWR);
    OpenFile b = open(2, F, AccessMode.O_RDWR);
    table.setLk(1, 0, F.ino(), a.id(), LeaseType.WRLCK.value, 0, 1, false, ev);
    table.setLk(2, 9, F.ino(), b.id(), LeaseType.WRLCK.value, 0, 1, true, ev);
    assertThat(table.forgetProcess(2, ev)).containsExactly(F.ino());
    assertThat(table.context(F.ino()).posixBlocked).isEmpty();
  }

  @Test
  void aGoneProcessWhoseLockWasTheLastThingOnAnInodeLeavesNoInodeBehind() {
    // an image whose pid 2 has a lock on /f but no description of it there (an edited image): once pid 1 closes,
    // the lock is all the inode has
    long id = F.ino() << 24 | 1;
    SavedLocks s = new SavedLocks(45, true, List.of(new SavedLocks.File(id, F, AccessMode.O_RDWR, false, 0, 0, -1)),
        List.of(), List.of(new SavedLocks.Posix(F.ino(), new PosixLock(2, LeaseType.WRLCK, 0, 9))));
    table.restore(s, Set.of(1, 2), Map.of(id, 1), Set.of(), RestartPolicy.REMAINING, false, 0, Map.of(), ev);
    table.put(1, F.ino(), id, 0, ev);
    assertThat(table.context(F.ino())).isNotNull();
    assertThat(table.forgetProcess(2, ev)).containsExactly(F.ino());
    assertThat(table.context(F.ino())).isNull();
  }
}
