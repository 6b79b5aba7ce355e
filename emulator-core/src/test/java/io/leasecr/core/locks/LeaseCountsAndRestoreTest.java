package io.leasecr.core.locks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the scenario library guarded alone (issue 20's survivors): the open counts a close or an abandoned open
 * gives back, the lazy time-outs of F_GETLEASE, F_SETLEASE and a break, and the break state a restore brings
 * back (fl_type_prev, the notified flag, the restored deadline, the restored opens, the image's no-deadline).
 */
class LeaseCountsAndRestoreTest {

  private static final Inode F = new Inode(1001, "00:2a", "/f", 0, Inode.Kind.REGULAR, true);

  private final LeaseTable table = new LeaseTable(45, true);
  private final LeaseTableTest.Recorder ev = new LeaseTableTest.Recorder();

  private static OpenFile open(LeaseTable t, int pid, AccessMode mode, long now, LockEvents ev) {
    LeaseTable.Outcome o = t.open(pid, 0, F, mode, false, now, ev);
    assertThat(o).isInstanceOf(LeaseTable.Outcome.Done.class);
    return ((LeaseTable.Outcome.Done) o).file();
  }

  private OpenFile open(int pid, AccessMode mode, long now) {
    return open(table, pid, mode, now, ev);
  }

  private Errno setLease(LeaseTable t, int pid, OpenFile f, LeaseType type, long now) {
    return t.setLease(pid, 3, F.ino(), f.id(), type.value, Credentials.ROOT, now, ev);
  }

  private List<Lease> leases(LeaseTable t) {
    FileLockContext ctx = t.context(F.ino());
    return ctx == null ? List.of() : ctx.leases();
  }

  // ------------------------------------------------------------------ open counts

  @Test
  void aClosedReaderNoLongerKeepsAWriteLeaseAway() {
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    OpenFile reader = open(2, AccessMode.O_RDONLY, 0);
    assertThat(setLease(table, 1, holder, LeaseType.WRLCK, 0)).isEqualTo(Errno.EAGAIN);
    table.put(2, F.ino(), reader.id(), 0, ev);
    assertThat(table.context(F.ino()).readCount()).isEqualTo(1);
    assertThat(setLease(table, 1, holder, LeaseType.WRLCK, 0)).isNull();
  }

  @Test
  void aClosedWriterNoLongerKeepsAReadLeaseAway() {
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    OpenFile writer = open(2, AccessMode.O_RDWR, 0);
    assertThat(setLease(table, 1, holder, LeaseType.RDLCK, 0)).isEqualTo(Errno.EAGAIN);
    table.get(F.ino(), writer.id()); // dup: two fds, the first close keeps the description
    table.put(2, F.ino(), writer.id(), 0, ev);
    assertThat(setLease(table, 1, holder, LeaseType.RDLCK, 0)).isEqualTo(Errno.EAGAIN);
    table.put(2, F.ino(), writer.id(), 0, ev);
    assertThat(table.context(F.ino()).writeCount()).isZero();
    assertThat(setLease(table, 1, holder, LeaseType.RDLCK, 0)).isNull();
  }

  @Test
  void anInterruptedOpenGivesItsCountBack() {
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    setLease(table, 1, holder, LeaseType.RDLCK, 0);
    assertThat(table.open(2, 7, F, AccessMode.O_WRONLY, false, 1000, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(table.context(F.ino()).writeCount()).isEqualTo(1); // counted before the break
    assertThat(table.abandon(F.ino(), 2, 7)).isTrue();
    assertThat(table.abandon(F.ino(), 2, 7)).isFalse();
    assertThat(table.context(F.ino()).writeCount()).isZero();
    // the break goes on; once released, the holder may take a read lease again: nobody writes
    assertThat(setLease(table, 1, holder, LeaseType.UNLCK, 2000)).isNull();
    assertThat(setLease(table, 1, holder, LeaseType.RDLCK, 2000)).isNull();
  }

  @Test
  void aNonBlockingOpenerThatFailsCountsNothing() {
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    setLease(table, 1, holder, LeaseType.WRLCK, 0);
    OpenFile reader = null;
    assertThat(table.open(2, 7, F, AccessMode.O_RDONLY, true, 1000, ev))
        .isEqualTo(new LeaseTable.Outcome.Failed(Errno.EWOULDBLOCK));
    assertThat(table.context(F.ino()).readCount()).isEqualTo(1);
    assertThat(reader).isNull();
  }

  @Test
  void aTruncateCountsAsAWriterOnlyWhileItWaits() {
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    setLease(table, 1, holder, LeaseType.RDLCK, 0);
    assertThat(table.truncate(2, 5, F, 1000, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(table.context(F.ino()).writeCount()).isEqualTo(1);
    setLease(table, 1, holder, LeaseType.UNLCK, 2000);
    assertThat(ev.unblocked).extracting(BlockedOpener::pid).containsExactly(2);
    assertThat(table.context(F.ino()).writeCount()).isZero();
    // without a lease a truncate neither waits nor stays counted
    assertThat(table.truncate(3, 6, F, 3000, ev)).isEqualTo(new LeaseTable.Outcome.Done(null));
    assertThat(table.context(F.ino()).writeCount()).isZero();
  }

  @Test
  void onlyTheCallAHandlerInterruptedIsOutOfCheckConflictingOpen() {
    // fuzz finding 1092, checked on the kernel: the holder's own truncate (request 5) sleeps on its read lease's
    // break; the SIGIO handler's downgrade runs while that truncate is in its restart window (no write access)
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    setLease(table, 1, holder, LeaseType.RDLCK, 0);
    assertThat(table.truncate(1, 5, F, 286, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(table.context(F.ino()).writeCount()).isEqualTo(1);
    // not in a handler (a delayed reaction's thread), or in one that interrupted another call: the truncate sleeps
    // with its write access (fuzz seed 20261206 program 16)
    assertThat(setLease(table, 1, holder, LeaseType.RDLCK, 300)).isEqualTo(Errno.EAGAIN);
    assertThat(table.setLease(1, 3, F.ino(), holder.id(), LeaseType.RDLCK.value, Credentials.ROOT, 9, 300, ev))
        .isEqualTo(Errno.EAGAIN);
    // another process's request with the same id is no call of the caller's
    assertThat(table.setLease(2, 3, F.ino(), holder.id(), LeaseType.RDLCK.value, Credentials.ROOT, 5, 300, ev))
        .isEqualTo(Errno.EAGAIN);
    assertThat(table.setLease(1, 3, F.ino(), holder.id(), LeaseType.RDLCK.value, Credentials.ROOT, 5, 300, ev))
        .isNull();
    assertThat(leases(table).get(0).type()).isEqualTo(LeaseType.RDLCK);
    assertThat(leases(table).get(0).targetType()).isEqualTo(LeaseType.UNLCK); // the unlock stays pending
    assertThat(table.context(F.ino()).writeCount()).isEqualTo(1); // it takes its access again on the restart
    // a second, really sleeping writer of the same process still counts beside the restarting one
    assertThat(table.open(1, 6, F, AccessMode.O_WRONLY, false, 400, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(table.setLease(1, 3, F.ino(), holder.id(), LeaseType.RDLCK.value, Credentials.ROOT, 5, 400, ev))
        .isEqualTo(Errno.EAGAIN);
  }

  @Test
  void aWriteLeaseCountsNeitherReaderNorWriterInItsRestartWindow() {
    // F_SETLEASE(F_WRLCK) on the sole O_RDONLY description while the holder's own O_RDONLY open (request 7)
    // restarts: i_readcount is the holder's alone again
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    setLease(table, 1, holder, LeaseType.WRLCK, 0);
    assertThat(table.open(1, 7, F, AccessMode.O_RDONLY, false, 1000, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(table.context(F.ino()).readCount()).isEqualTo(2);
    assertThat(setLease(table, 1, holder, LeaseType.WRLCK, 1100)).isEqualTo(Errno.EAGAIN);
    assertThat(table.setLease(1, 3, F.ino(), holder.id(), LeaseType.WRLCK.value, Credentials.ROOT, 7, 1100, ev))
        .isNull();
    assertThat(table.getLease(F.ino(), holder.id(), 1200, ev)).isEqualTo(LeaseType.RDLCK); // still downgrading
  }

  // ------------------------------------------------------------------ lazy expiry: who looks

  /** P1's write lease, broken at 1 s by an O_NONBLOCK writer that left: deadline 46 s, nobody sleeps. */
  private OpenFile brokenWriteLease() {
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    setLease(table, 1, holder, LeaseType.WRLCK, 0);
    assertThat(table.open(2, 7, F, AccessMode.O_WRONLY, true, 1000, ev))
        .isEqualTo(new LeaseTable.Outcome.Failed(Errno.EWOULDBLOCK));
    assertThat(leases(table).get(0).deadline()).isEqualTo(46_000);
    return holder;
  }

  @Test
  void aPendingUnlockDoesNotHideAnOverdueDowngrade() {
    // fuzz seed 61206 program 1101, checked on the kernel: a reader's break (downgrade due at 46 s), then a
    // writer's (unlock due at 47 s); a look at 46.5 s forces the downgrade, the unlock stays pending
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    setLease(table, 1, holder, LeaseType.WRLCK, 0);
    assertThat(table.open(2, 7, F, AccessMode.O_RDONLY, true, 1000, ev))
        .isEqualTo(new LeaseTable.Outcome.Failed(Errno.EWOULDBLOCK));
    assertThat(table.open(3, 8, F, AccessMode.O_WRONLY, true, 2000, ev))
        .isEqualTo(new LeaseTable.Outcome.Failed(Errno.EWOULDBLOCK));
    table.timeOutLeases(F.ino(), 45_999, ev);
    assertThat(leases(table).get(0).type()).isEqualTo(LeaseType.WRLCK);
    table.timeOutLeases(F.ino(), 46_500, ev);
    assertThat(leases(table).get(0).type()).isEqualTo(LeaseType.RDLCK);
    assertThat(leases(table).get(0).targetType()).isEqualTo(LeaseType.UNLCK);
    assertThat(leases(table).get(0).deadline()).isEqualTo(47_000);
  }

  @Test
  void fGetleaseTimesOverdueLeasesOut() {
    OpenFile holder = brokenWriteLease();
    assertThat(table.getLease(F.ino(), holder.id(), 45_999, ev)).isEqualTo(LeaseType.UNLCK);
    assertThat(leases(table)).hasSize(1);
    assertThat(table.getLease(F.ino(), holder.id(), 46_000, ev)).isEqualTo(LeaseType.UNLCK);
    assertThat(leases(table)).isEmpty();
  }

  @Test
  void fSetleaseTimesOverdueLeasesOutFirst() {
    OpenFile holder = brokenWriteLease();
    // past the deadline the old lease is gone before F_SETLEASE looks: a new read lease, not a changed one
    assertThat(setLease(table, 1, holder, LeaseType.RDLCK, 50_000)).isNull();
    Lease l = leases(table).get(0);
    assertThat(l.breaking()).isFalse();
    assertThat(l.targetType()).isEqualTo(LeaseType.RDLCK);
  }

  @Test
  void anOpenTimesOverdueLeasesOutBeforeItLooksForConflicts() {
    brokenWriteLease();
    assertThat(table.open(3, 8, F, AccessMode.O_WRONLY, true, 45_999, ev))
        .isEqualTo(new LeaseTable.Outcome.Failed(Errno.EWOULDBLOCK));
    assertThat(table.open(3, 8, F, AccessMode.O_WRONLY, true, 46_000, ev)).isInstanceOf(LeaseTable.Outcome.Done.class);
    assertThat(leases(table)).isEmpty();
  }

  @Test
  void aForcedDowngradeAtTheDeadlineKeepsTheLeaseAsReader() {
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    setLease(table, 1, holder, LeaseType.WRLCK, 0);
    assertThat(table.open(2, 7, F, AccessMode.O_RDONLY, true, 1000, ev))
        .isEqualTo(new LeaseTable.Outcome.Failed(Errno.EWOULDBLOCK));
    Lease l = leases(table).get(0);
    assertThat(l.downgradeTime()).isEqualTo(46_000);
    assertThat(table.getLease(F.ino(), holder.id(), 46_000, ev)).isEqualTo(LeaseType.RDLCK);
    assertThat(l.breaking()).isFalse();
    assertThat(l.type()).isEqualTo(LeaseType.RDLCK);
    assertThat(l.typePrev()).isNull();
    assertThat(l.breakNotified()).isFalse();
  }

  // ------------------------------------------------------------------ save and restore

  /** Saves the table at {@code now} and restores it into a fresh table: holder pid 1 and breaker pid 2. */
  private LeaseTable restart(LeaseTable from, long now, RestartMode mode, boolean breaker, long at) {
    SavedLocks s = from.save(now);
    LeaseTable to = new LeaseTable(45, true);
    Map<Long, Integer> refs = new java.util.HashMap<>();
    s.files().forEach(f -> refs.put(f.id(), 1));
    to.restore(s, Set.of(1, 2), refs, breaker ? Set.of(F.ino()) : Set.of(), RestartPolicy.REMAINING, mode, at,
        Map.of(), ev);
    return to;
  }

  @Test
  void aSavedBreakWithoutADeadlineIsSavedAsNone() {
    LeaseTable t = new LeaseTable(0, true); // lease-break-time 0: no deadline
    OpenFile holder = open(t, 1, AccessMode.O_RDONLY, 0, ev);
    setLease(t, 1, holder, LeaseType.WRLCK, 0);
    t.open(2, 7, F, AccessMode.O_WRONLY, true, 1000, ev);
    SavedLocks.Saved s = t.save(5000).leases().get(0);
    assertThat(s.remainingMs()).isEqualTo(-1);
    assertThat(s.unlockPending()).isTrue();
    // with a deadline: what is left, and 0 (not negative) once it has passed unseen
    OpenFile h2 = brokenWriteLeaseIn(table);
    assertThat(table.save(40_000).leases().get(0).remainingMs()).isEqualTo(6000);
    assertThat(table.save(50_000).leases().get(0).remainingMs()).isZero();
    assertThat(h2).isNotNull();
  }

  private OpenFile brokenWriteLeaseIn(LeaseTable t) {
    OpenFile holder = open(t, 1, AccessMode.O_RDONLY, 0, ev);
    setLease(t, 1, holder, LeaseType.WRLCK, 0);
    t.open(2, 7, F, AccessMode.O_WRONLY, true, 1000, ev);
    return holder;
  }

  @Test
  void aLeaseNotBeingBrokenComesBackAsItWasAndItsNextBreakSignals() {
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    setLease(table, 1, holder, LeaseType.WRLCK, 0);
    LeaseTable t = restart(table, 10_000, RestartMode.SEED, false, 20_000);
    Lease l = leases(t).get(0);
    assertThat(l.restored()).isFalse();
    assertThat(l.typePrev()).isNull();
    assertThat(l.type()).isEqualTo(LeaseType.WRLCK);
    ev.signals.clear();
    assertThat(t.open(2, 7, F, AccessMode.O_WRONLY, false, 21_000, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(ev.signals).hasSize(1);
    assertThat(l.deadline()).isEqualTo(66_000); // a fresh, whole lease-break-time
  }

  @Test
  void aRestoredBreakerResumesTheBreakWithTheRestoredDeadlineAndNoSecondSignal() {
    brokenWriteLeaseIn(table);
    LeaseTable t = restart(table, 41_000, RestartMode.SEED, true, 100_000);
    Lease l = leases(t).get(0);
    assertThat(l.restored()).isTrue();
    assertThat(l.breaking()).isFalse();
    assertThat(l.type()).isEqualTo(LeaseType.WRLCK);
    ev.signals.clear();
    assertThat(t.open(2, 7, F, AccessMode.O_WRONLY, false, 100_500, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(l.deadline()).as("the restored deadline: 5 s from the restore").isEqualTo(105_000);
    assertThat(ev.signals).as("notified before the checkpoint").isEmpty();
    t.timeOutLeases(F.ino(), 105_000, ev);
    assertThat(leases(t)).isEmpty();
  }

  @Test
  void aHolderNotSignalledBeforeTheCheckpointIsSignalledWhenTheBreakResumes() {
    LeaseTable src = new LeaseTable(45, true);
    OpenFile holder = open(src, 1, AccessMode.O_RDONLY, 0, ev);
    holder.ownerPid = 0; // F_SETOWN 0 after the lease: lease_break_callback has nobody to signal
    setLease(src, 1, holder, LeaseType.WRLCK, 0);
    holder.ownerPid = 0;
    src.open(2, 7, F, AccessMode.O_WRONLY, true, 1000, ev);
    SavedLocks s = src.save(41_000);
    SavedLocks.Saved l0 = s.leases().get(0);
    SavedLocks unnotified = new SavedLocks(45, true, List.of(new SavedLocks.File(s.files().get(0).id(), F,
        AccessMode.O_RDONLY, false, 1, 0, 3)), List.of(new SavedLocks.Saved(l0.fileId(), 1, l0.type(),
        l0.unlockPending(), l0.downgradePending(), l0.typePrev(), false, l0.remainingMs())), List.of());
    LeaseTable t = new LeaseTable(45, true);
    t.restore(unnotified, Set.of(1, 2), Map.of(l0.fileId(), 1), Set.of(F.ino()), RestartPolicy.REMAINING,
        RestartMode.SEED, 100_000, Map.of(), ev);
    ev.signals.clear();
    t.open(2, 7, F, AccessMode.O_WRONLY, false, 100_000, ev);
    assertThat(ev.signals).containsExactly("1:SIGIO:SI_KERNEL:-1");
  }

  @Test
  void restoredOpensCountAgainstNewLeases() {
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    open(2, AccessMode.O_RDONLY, 0);
    open(2, AccessMode.O_WRONLY, 0);
    LeaseTable t = restart(table, 1000, RestartMode.SEED, false, 2000);
    assertThat(t.context(F.ino()).readCount()).isEqualTo(2);
    assertThat(t.context(F.ino()).writeCount()).isEqualTo(1);
    assertThat(setLease(t, 1, t.fileOf(F.ino(), holder.id()), LeaseType.RDLCK, 3000)).isEqualTo(Errno.EAGAIN);
    assertThat(setLease(t, 1, t.fileOf(F.ino(), holder.id()), LeaseType.WRLCK, 3000)).isEqualTo(Errno.EAGAIN);
  }

  @Test
  void aKeepBreakRestoreKeepsTheTypeBeforeTheBreakOfALeaseDowngradedDuringIt() {
    // W lease, a writer breaks it, the holder downgrades to R while the unlock is pending
    OpenFile holder = brokenWriteLeaseIn(table);
    assertThat(setLease(table, 1, holder, LeaseType.RDLCK, 2000)).isNull();
    Lease before = leases(table).get(0);
    assertThat(before.type()).isEqualTo(LeaseType.RDLCK);
    assertThat(before.typePrev()).isEqualTo(LeaseType.WRLCK);
    LeaseTable once = restart(table, 3000, RestartMode.KEEP_BREAK, false, 10_000);
    Lease l = leases(once).get(0);
    assertThat(l.type()).isEqualTo(LeaseType.RDLCK);
    assertThat(l.typePrev()).as("fl_type_prev from the image, not the current type").isEqualTo(LeaseType.WRLCK);
    // restarted again in the seed's mode: the lease goes back to the type it had before the break
    LeaseTable twice = restart(once, 11_000, RestartMode.SEED, false, 20_000);
    assertThat(leases(twice).get(0).type()).isEqualTo(LeaseType.WRLCK);
  }

  @Test
  void criuRestoresTheTargetTypeAndBreaksAgainFromTheRestore() {
    brokenWriteLeaseIn(table);
    ev.signals.clear();
    LeaseTable t = restart(table, 41_000, RestartMode.CRIU, false, 100_000);
    Lease l = leases(t).get(0);
    assertThat(l.type()).as("CRIU 4.2's guess: F_WRLCK for a regular file, whatever the opens").isEqualTo(LeaseType.WRLCK);
    assertThat(l.targetType()).isEqualTo(LeaseType.UNLCK);
    assertThat(l.deadline()).isEqualTo(145_000); // a fresh, whole break
    assertThat(ev.signals).hasSize(1);
  }

  @Test
  void criuSaysWhereItsWriteLeaseGuessWouldFailTheRestore() {
    // a read lease broken by a writer while another description of the file is open: every description is open
    // again before CRIU restores locks, so its F_SETLEASE(F_WRLCK) gets EAGAIN and criu restore fails
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    open(2, AccessMode.O_RDONLY, 0);
    assertThat(setLease(table, 1, holder, LeaseType.RDLCK, 0)).isNull();
    table.open(3, 7, F, AccessMode.O_WRONLY, true, 1000, ev);
    LeaseTable t = restart(table, 10_000, RestartMode.CRIU, false, 20_000);
    assertThat(ev.notes).singleElement().asString().startsWith("1: CRIU 4.2 fails this restore")
        .contains("/f is open elsewhere");
    assertThat(leases(t).get(0).targetType()).isEqualTo(LeaseType.UNLCK);
    // alone, the holder's own description does not conflict: no note
    ev.notes.clear();
    LeaseTable alone = new LeaseTable(45, true);
    OpenFile h = open(alone, 1, AccessMode.O_RDONLY, 0, ev);
    assertThat(setLease(alone, 1, h, LeaseType.RDLCK, 0)).isNull();
    alone.open(3, 7, F, AccessMode.O_WRONLY, true, 1000, ev);
    restart(alone, 10_000, RestartMode.CRIU, false, 20_000);
    assertThat(ev.notes).isEmpty();
  }

  private LeaseTable restart(LeaseTable from, long now, CriuTypeGuess guess, long at) {
    SavedLocks s = from.save(now);
    LeaseTable to = new LeaseTable(45, true);
    Map<Long, Integer> refs = new java.util.HashMap<>();
    s.files().forEach(f -> refs.put(f.id(), 1));
    to.restore(s, Set.of(1, 2, 3), refs, Set.of(), Set.of(), RestartPolicy.REMAINING, RestartMode.CRIU, guess, at, Map.of(), ev);
    return to;
  }

  @Test
  void criuTypeGuessesPartOnAWriteLeaseOfAnOrdonlyDescriptionBrokenByAReader() {
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    setLease(table, 1, holder, LeaseType.WRLCK, 0);
    table.open(2, 7, F, AccessMode.O_RDONLY, true, 1000, ev); // target READ
    ev.signals.clear();
    ev.notes.clear();
    // 4.2: F_WRLCK (the file type masked), which the reader's O_RDONLY|O_NONBLOCK re-break downgrades again
    LeaseTable released = restart(table, 10_000, CriuTypeGuess.FILE_TYPE, 20_000);
    Lease w = leases(released).get(0);
    assertThat(w.type()).isEqualTo(LeaseType.WRLCK);
    assertThat(w.targetType()).isEqualTo(LeaseType.RDLCK);
    assertThat(w.deadline()).isEqualTo(65_000);
    assertThat(ev.signals).hasSize(1);
    assertThat(ev.notes).isEmpty();
    ev.signals.clear();
    ev.changes.clear();
    // open mode: F_RDLCK, the re-break conflicts with nothing, and CRIU fails the restore: said so, not broken
    LeaseTable patched = restart(table, 10_000, CriuTypeGuess.OPEN_MODE, 20_000);
    Lease r = leases(patched).get(0);
    assertThat(r.type()).isEqualTo(LeaseType.RDLCK);
    assertThat(r.breaking()).isFalse();
    assertThat(ev.signals).isEmpty();
    assertThat(ev.changes).containsExactly("restored as CRIU with the open-mode guess does: previous type guessed READ");
    assertThat(ev.notes).singleElement().asString()
        .startsWith("1: CRIU with the open-mode type guess fails this restore: its O_RDONLY|O_NONBLOCK re-break")
        .contains("Conflicting lease wasn't found");
  }

  @Test
  void criuTypeGuessesPartOnAReadLeaseBesideAnotherReader() {
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    open(3, AccessMode.O_RDONLY, 0);
    assertThat(setLease(table, 1, holder, LeaseType.RDLCK, 0)).isNull();
    table.open(2, 7, F, AccessMode.O_WRONLY, true, 1000, ev); // target UNLCK
    ev.notes.clear();
    ev.signals.clear();
    // 4.2's F_WRLCK meets the other reader: EAGAIN, criu restore fails (noted)
    restart(table, 10_000, CriuTypeGuess.FILE_TYPE, 20_000);
    assertThat(ev.notes).singleElement().asString().startsWith("1: CRIU 4.2 fails this restore: its F_SETLEASE(F_WRLCK)");
    ev.notes.clear();
    ev.signals.clear();
    // open mode: F_RDLCK beside a reader is fine, and the writer's re-break breaks it again: no failure
    LeaseTable patched = restart(table, 10_000, CriuTypeGuess.OPEN_MODE, 20_000);
    Lease l = leases(patched).get(0);
    assertThat(l.type()).isEqualTo(LeaseType.RDLCK);
    assertThat(l.targetType()).isEqualTo(LeaseType.UNLCK);
    assertThat(l.deadline()).isEqualTo(65_000);
    assertThat(ev.notes).isEmpty();
    assertThat(ev.signals).hasSize(1);
  }

  @Test
  void theOpenModeGuessKeepsWriteForAWritableDescriptionAndTheDefaultIsFileType() {
    OpenFile holder = open(1, AccessMode.O_RDWR, 0);
    setLease(table, 1, holder, LeaseType.WRLCK, 0);
    table.open(2, 7, F, AccessMode.O_RDONLY, true, 1000, ev);
    ev.notes.clear();
    Lease l = leases(restart(table, 10_000, CriuTypeGuess.OPEN_MODE, 20_000)).get(0);
    assertThat(l.type()).isEqualTo(LeaseType.WRLCK);
    assertThat(l.targetType()).isEqualTo(LeaseType.RDLCK);
    assertThat(ev.notes).isEmpty();
    // the restore without a guess is 4.2's: an O_RDONLY write lease comes back WRITE, breaking
    LeaseTable t = new LeaseTable(45, true);
    OpenFile h = open(t, 1, AccessMode.O_RDONLY, 0, ev);
    setLease(t, 1, h, LeaseType.WRLCK, 0);
    t.open(2, 7, F, AccessMode.O_RDONLY, true, 1000, ev);
    assertThat(leases(restart(t, 10_000, RestartMode.CRIU, false, 20_000)).get(0).type()).isEqualTo(LeaseType.WRLCK);
    assertThat(CriuTypeGuess.parse(" open-mode ")).isEqualTo(CriuTypeGuess.OPEN_MODE);
    assertThat(CriuTypeGuess.FILE_TYPE).hasToString("file-type");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CriuTypeGuess.parse("mode"))
        .hasMessageContaining("file-type (CRIU 4.2) or open-mode (patched), got 'mode'");
  }

  @Test
  void everyLeaseChangeIsReportedForTheTrace() {
    OpenFile holder = open(1, AccessMode.O_RDONLY, 0);
    setLease(table, 1, holder, LeaseType.WRLCK, 0);
    table.open(2, 7, F, AccessMode.O_WRONLY, true, 1000, ev);
    assertThat(ev.changes).containsExactly("acquired", "break: unlock pending");
    ev.changes.clear();
    LeaseTable seed = restart(table, 41_000, RestartMode.SEED, true, 100_000);
    assertThat(ev.changes).singleElement().asString().startsWith("restored to its type before the break");
    ev.changes.clear();
    seed.open(2, 7, F, AccessMode.O_WRONLY, true, 100_000, ev); // the restored breaker's retried open
    assertThat(ev.changes).singleElement().asString().startsWith("break resumed: unlock pending");
    ev.changes.clear();
    restart(table, 41_000, RestartMode.CRIU, false, 100_000);
    assertThat(ev.changes).containsExactly("restored as CRIU does: previous type guessed WRITE",
        "break: unlock pending");
    ev.changes.clear();
    restart(table, 41_000, RestartMode.KEEP_BREAK, false, 100_000);
    assertThat(ev.changes).containsExactly("restored with its break (remaining), holder not signalled again");
    // a reader's break is a downgrade; a lease not breaking comes back as it was; the last close releases it
    LeaseTable t = new LeaseTable(45, true);
    OpenFile h = open(t, 1, AccessMode.O_RDONLY, 0, ev);
    setLease(t, 1, h, LeaseType.WRLCK, 0);
    ev.changes.clear();
    t.open(2, 7, F, AccessMode.O_RDONLY, true, 1000, ev);
    assertThat(ev.changes).containsExactly("break: downgrade pending");
    LeaseTable quiet = new LeaseTable(45, true);
    OpenFile q = open(quiet, 1, AccessMode.O_RDONLY, 0, ev);
    setLease(quiet, 1, q, LeaseType.RDLCK, 0);
    ev.changes.clear();
    LeaseTable back = restart(quiet, 5_000, RestartMode.SEED, false, 6_000);
    assertThat(ev.changes).containsExactly("restored");
    ev.changes.clear();
    back.put(1, F.ino(), leases(back).get(0).file().id(), 7_000, ev);
    assertThat(ev.changes).containsExactly("released by last close");
  }
}
