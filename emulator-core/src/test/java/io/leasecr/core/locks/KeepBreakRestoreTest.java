package io.leasecr.core.locks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** LeaseTable.restore in keep-break mode, against the seed's mode, on a break saved 40 s in (5 s left). */
class KeepBreakRestoreTest {

  private static final Inode F = new Inode(1001, "00:2a", "/f", 0, Inode.Kind.REGULAR, true);

  private final LeaseTableTest.Recorder ev = new LeaseTableTest.Recorder();

  /** A table with lease-break-time {@code breakTime} s where P1 (pid 1, fd 3) holds a write lease on F since 0 s. */
  private static LeaseTable writeLeaseOfP1(int breakTime, LeaseTableTest.Recorder r) {
    LeaseTable t = new LeaseTable(breakTime, true);
    OpenFile holder = ((LeaseTable.Outcome.Done) t.open(1, 0, F, AccessMode.O_RDONLY, false, 0, r)).file();
    holder.ownerPid = 1;
    t.setLease(1, 3, F.ino(), holder.id(), LeaseType.WRLCK.value, Credentials.ROOT, 0, r);
    return t;
  }

  /** P1 (pid 1) holds a write lease that P2's open broke at 1 s; saved at 41 s. */
  private static SavedLocks savedBreak(boolean notified) {
    LeaseTableTest.Recorder r = new LeaseTableTest.Recorder();
    LeaseTable t = writeLeaseOfP1(45, r);
    t.open(2, 7, F, AccessMode.O_WRONLY, false, 1000, r);
    SavedLocks s = t.save(41_000);
    SavedLocks.Saved l = s.leases().get(0);
    return new SavedLocks(s.leaseBreakTime(), s.leasesEnable(), s.files(), List.of(new SavedLocks.Saved(l.fileId(),
        l.pid(), l.type(), l.unlockPending(), l.downgradePending(), l.typePrev(), notified, l.remainingMs())), s.posix());
  }

  private static Map<Long, Integer> holderRefs(SavedLocks s) {
    return Map.of(s.leases().get(0).fileId(), 1);
  }

  @Test
  void theBreakComesBackWithoutItsBreakerAndEndsOnTime() {
    LeaseTable t = new LeaseTable(45, true);
    SavedLocks s = savedBreak(true);
    assertThat(s.leases().get(0).remainingMs()).isEqualTo(5000);
    t.restore(s, Set.of(1), holderRefs(s), Set.of(), RestartPolicy.REMAINING, RestartMode.KEEP_BREAK, 100_000, Map.of(), ev);
    Lease l = t.context(F.ino()).leases().get(0);
    assertThat(l.targetType()).isEqualTo(LeaseType.UNLCK);
    assertThat(l.typePrev()).isEqualTo(LeaseType.WRLCK);
    assertThat(l.breakNotified()).isTrue();
    assertThat(l.deadline()).isEqualTo(105_000);
    assertThat(ev.signals).isEmpty(); // signalled before the checkpoint: not again

    // a new breaker waits only what is left, and the deadline ends the break
    assertThat(t.open(3, 9, F, AccessMode.O_WRONLY, false, 102_000, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(ev.signals).isEmpty();
    t.timeOutLeases(F.ino(), 105_000, ev);
    assertThat(ev.unblocked).extracting(BlockedOpener::pid).containsExactly(3);
    assertThat(t.context(F.ino()) == null || t.context(F.ino()).leases().isEmpty()).isTrue();
  }

  @Test
  void theSeedModeKeepsTheOldLeaseWithoutADeadlineWhereKeepBreakDoesNot() {
    LeaseTable t = new LeaseTable(45, true);
    SavedLocks s = savedBreak(true);
    t.restore(s, Set.of(1), holderRefs(s), Set.of(), RestartPolicy.REMAINING, RestartMode.SEED, 100_000, Map.of(), ev);
    Lease l = t.context(F.ino()).leases().get(0);
    assertThat(l.breaking()).isFalse();
    assertThat(l.targetType()).isEqualTo(LeaseType.WRLCK);
    assertThat(l.deadline()).isZero();
  }

  @Test
  void aHolderNotSignalledBeforeTheCheckpointIsSignalledOnceAtTheRestore() {
    LeaseTable t = new LeaseTable(45, true);
    SavedLocks s = savedBreak(false);
    t.restore(s, Set.of(1, 2), holderRefs(s), Set.of(F.ino()), new RestartPolicy(RestartPolicy.Kind.DELTA, 2000),
        RestartMode.KEEP_BREAK, 100_000, Map.of(), ev);
    assertThat(ev.signals).containsExactly("1:SIGIO:SI_KERNEL:-1");
    assertThat(t.context(F.ino()).leases().get(0).deadline()).isEqualTo(107_000); // 5 s left + 2 s
    // the restored breaker's retried open joins the break: no second signal, same deadline
    assertThat(t.open(2, 7, F, AccessMode.O_WRONLY, false, 100_000, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(ev.signals).hasSize(1);
    assertThat(t.context(F.ino()).leases().get(0).deadline()).isEqualTo(107_000);
  }

  @Test
  void favorBreakerEndsTheRestoredBreakAtOnce() {
    LeaseTable t = new LeaseTable(45, true);
    SavedLocks s = savedBreak(true);
    t.restore(s, Set.of(1), holderRefs(s), Set.of(), new RestartPolicy(RestartPolicy.Kind.FAVOR_BREAKER, 0),
        RestartMode.KEEP_BREAK, 100_000, Map.of(), ev);
    t.timeOutLeases(F.ino(), 100_000, ev);
    assertThat(t.context(F.ino()) == null || t.context(F.ino()).leases().isEmpty()).isTrue();
  }

  /**
   * lease-break-time 1 s: P2's O_RDONLY open at 2.002 s begins a downgrade (deadline 3.002 s), P3's O_WRONLY open
   * at 2.574 s an unlock (deadline 3.574 s); saved at 2.8 s (fuzz-downgrade-deadline-under-pending-unlock).
   */
  private static SavedLocks savedDowngradeUnderUnlock() {
    LeaseTableTest.Recorder r = new LeaseTableTest.Recorder();
    LeaseTable t = writeLeaseOfP1(1, r);
    t.open(2, 7, F, AccessMode.O_RDONLY, false, 2002, r);
    t.open(3, 8, F, AccessMode.O_WRONLY, false, 2574, r);
    return t.save(2800);
  }

  /** The same image as one written before downgrade_remaining_ms: the unlock's time only. */
  private static SavedLocks withoutDowngradeTime(SavedLocks s) {
    SavedLocks.Saved l = s.leases().get(0);
    return new SavedLocks(s.leaseBreakTime(), s.leasesEnable(), s.files(), List.of(new SavedLocks.Saved(l.fileId(),
        l.pid(), l.type(), l.unlockPending(), l.downgradePending(), l.typePrev(), l.breakNotified(), l.remainingMs())),
        s.posix());
  }

  @Test
  void aDowngradeUnderAnUnlockIsSavedWithItsOwnTimeLeft() {
    SavedLocks.Saved l = savedDowngradeUnderUnlock().leases().get(0);
    assertThat(l.unlockPending()).isTrue();
    assertThat(l.downgradePending()).isTrue();
    assertThat(l.remainingMs()).isEqualTo(774); // the unlock's
    assertThat(l.hasDowngradeTime()).isTrue();
    assertThat(l.downgradeRemainingMs()).isEqualTo(202);
    // one break pending: one time, as images always had
    assertThat(savedBreak(true).leases().get(0).hasDowngradeTime()).isFalse();
  }

  @Test
  void keepBreakRestoresBothBreaksEachWithItsDeadline() {
    LeaseTable t = new LeaseTable(1, true);
    SavedLocks s = savedDowngradeUnderUnlock();
    t.restore(s, Set.of(1), holderRefs(s), Set.of(), RestartPolicy.REMAINING, RestartMode.KEEP_BREAK, 7800, Map.of(), ev);
    Lease l = t.context(F.ino()).leases().get(0);
    assertThat(l.unlockPending).isTrue();
    assertThat(l.downgradePending).isTrue();
    assertThat(l.downgradeTime()).isEqualTo(8002);
    assertThat(l.breakTime()).isEqualTo(8574);
    assertThat(ev.signals).isEmpty();
    assertThat(ev.changes).containsExactly("restored with its break (remaining), holder not signalled again,"
        + " downgrade pending too (its deadline 8.002s)");
    // a reader at 8.146 s finds the downgrade overdue (time_out_leases): a read lease, still unlock pending
    assertThat(t.open(4, 9, F, AccessMode.O_RDONLY, false, 8146, ev)).isInstanceOf(LeaseTable.Outcome.Done.class);
    assertThat(l.type()).isEqualTo(LeaseType.RDLCK);
    assertThat(l.targetType()).isEqualTo(LeaseType.UNLCK);
    assertThat(l.breakTime()).isEqualTo(8574);
  }

  @Test
  void keepBreakMovesTheDowngradesDeadlineByThePolicyAsTheUnlocks() {
    SavedLocks s = savedDowngradeUnderUnlock();
    long[][] want = {{8102, 8674}, {8800, 8800}, {7800, 7800}};
    RestartPolicy[] policies = {new RestartPolicy(RestartPolicy.Kind.DELTA, 100),
        new RestartPolicy(RestartPolicy.Kind.FAVOR_HOLDER, 0), new RestartPolicy(RestartPolicy.Kind.FAVOR_BREAKER, 0)};
    for (int i = 0; i < policies.length; i++) {
      LeaseTable t = new LeaseTable(1, true);
      t.restore(s, Set.of(1), holderRefs(s), Set.of(), policies[i], RestartMode.KEEP_BREAK, 7800, Map.of(), ev);
      Lease l = t.context(F.ino()).leases().get(0);
      assertThat(new long[] {l.downgradeTime(), l.breakTime()}).as(policies[i].toString()).containsExactly(want[i]);
    }
    // delta below the downgrade's time left: at least 0, as the unlock's
    LeaseTable t = new LeaseTable(1, true);
    t.restore(s, Set.of(1), holderRefs(s), Set.of(), new RestartPolicy(RestartPolicy.Kind.DELTA, -500),
        RestartMode.KEEP_BREAK, 7800, Map.of(), ev);
    Lease l = t.context(F.ino()).leases().get(0);
    assertThat(new long[] {l.downgradeTime(), l.breakTime()}).containsExactly(7800, 8074);
    // no deadline at the checkpoint (lease-break-time 0 or less): none after it, and the trace says so
    SavedLocks.Saved d = s.leases().get(0);
    SavedLocks none = new SavedLocks(s.leaseBreakTime(), s.leasesEnable(), s.files(), List.of(new SavedLocks.Saved(
        d.fileId(), d.pid(), d.type(), true, true, d.typePrev(), d.breakNotified(), -1, -1)), s.posix());
    LeaseTableTest.Recorder r = new LeaseTableTest.Recorder();
    LeaseTable u = new LeaseTable(1, true);
    u.restore(none, Set.of(1), holderRefs(none), Set.of(), RestartPolicy.REMAINING, RestartMode.KEEP_BREAK, 7800,
        Map.of(), r);
    assertThat(r.changes).containsExactly("restored with its break (remaining, no deadline), holder not signalled"
        + " again, downgrade pending too (no deadline)");
  }

  @Test
  void anImageWithoutTheDowngradesTimeRestoresAsBefore() {
    SavedLocks old = withoutDowngradeTime(savedDowngradeUnderUnlock());
    LeaseTable t = new LeaseTable(1, true);
    t.restore(old, Set.of(1), holderRefs(old), Set.of(), RestartPolicy.REMAINING, RestartMode.KEEP_BREAK, 7800,
        Map.of(), ev);
    Lease l = t.context(F.ino()).leases().get(0);
    assertThat(l.unlockPending).isTrue();
    assertThat(l.downgradePending).isFalse();
    assertThat(l.breakTime()).isEqualTo(8574);
    // seed: the re-broken downgrade takes the one time the image has
    LeaseTable seed = new LeaseTable(1, true);
    seed.restore(old, Set.of(1, 2), holderRefs(old), Set.of(F.ino()), RestartPolicy.REMAINING, RestartMode.SEED, 7800,
        Map.of(), ev);
    seed.open(2, 7, F, AccessMode.O_RDONLY, false, 7800, ev);
    assertThat(seed.context(F.ino()).leases().get(0).downgradeTime()).isEqualTo(8574);
  }

  @Test
  void seedReBreaksTheDowngradeWithItsOwnTimeAndTheUnlockWithTheUnlocks() {
    SavedLocks s = savedDowngradeUnderUnlock();
    LeaseTable t = new LeaseTable(1, true);
    t.restore(s, Set.of(1, 2, 3), holderRefs(s), Set.of(F.ino()), RestartPolicy.REMAINING, RestartMode.SEED, 7800,
        Map.of(), ev);
    Lease l = t.context(F.ino()).leases().get(0);
    assertThat(l.breaking()).isFalse();
    assertThat(l.type()).isEqualTo(LeaseType.WRLCK);
    assertThat(t.open(2, 7, F, AccessMode.O_RDONLY, false, 7800, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(l.downgradeTime()).isEqualTo(8002);
    assertThat(t.open(3, 8, F, AccessMode.O_WRONLY, false, 7800, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(l.breakTime()).isEqualTo(8574);
    assertThat(l.downgradeTime()).isEqualTo(8002);
  }

  /** The seed's restore of the downgrade-under-unlock image at 7.8 s, the reader's retried open re-breaking it. */
  private LeaseTable seedWithDowngradeReBroken(Set<Long> writers) {
    SavedLocks s = savedDowngradeUnderUnlock();
    LeaseTable t = new LeaseTable(1, true);
    t.restore(s, Set.of(1, 2, 3), holderRefs(s), Set.of(F.ino()), writers, RestartPolicy.REMAINING, RestartMode.SEED,
        CriuTypeGuess.FILE_TYPE, 7800, Map.of(), ev);
    assertThat(t.open(2, 7, F, AccessMode.O_RDONLY, false, 7800, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(t.context(F.ino()).leases().get(0).downgradeTime()).isEqualTo(8002);
    return t;
  }

  @Test
  void aRestoredWritersUnlockOutlivesItsDowngradesDeadline() {
    // the writer's retried open comes after the re-broken downgrade's deadline (an image whose downgrade was due):
    // time_out_leases downgrades first, and the unlock goes on as the image had it, as lease_clear_pending keeps
    // an unlock break through a downgrade: its time left, no second signal, fl_type_prev still WRITE
    LeaseTable t = seedWithDowngradeReBroken(Set.of(F.ino()));
    assertThat(t.open(3, 8, F, AccessMode.O_WRONLY, false, 8100, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    Lease l = t.context(F.ino()).leases().get(0);
    assertThat(l.type()).isEqualTo(LeaseType.RDLCK);
    assertThat(l.targetType()).isEqualTo(LeaseType.UNLCK);
    assertThat(l.breakTime()).isEqualTo(8574);
    assertThat(l.typePrev()).isEqualTo(LeaseType.WRLCK);
    assertThat(ev.signals).isEmpty();
    assertThat(ev.changes).contains("break resumed: unlock pending, holder not signalled again");
    // and once the unlock is over, nothing restored is left for a later break
    t.timeOutLeases(F.ino(), 8574, ev);
    assertThat(t.context(F.ino()) == null || t.context(F.ino()).leases().isEmpty()).isTrue();
  }

  @Test
  void withNoWriterRestoredTheDowngradeEndsTheRestoredBreak() {
    // the unlock's opener was not asleep in it (or not restored): after the downgrade a writer's open is a new
    // break, with a whole lease-break-time and a signal, of a lease whose type before it is READ
    LeaseTable t = seedWithDowngradeReBroken(Set.of());
    assertThat(t.open(3, 8, F, AccessMode.O_WRONLY, false, 8100, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    Lease l = t.context(F.ino()).leases().get(0);
    assertThat(l.breakTime()).isEqualTo(9100);
    assertThat(l.typePrev()).isEqualTo(LeaseType.RDLCK);
    assertThat(ev.signals).containsExactly("1:SIGIO:SI_KERNEL:-1");
  }

  @Test
  void modesParseAndSayTheirNames() {
    assertThat(RestartMode.parse("keep-break")).isEqualTo(RestartMode.KEEP_BREAK);
    assertThat(RestartMode.of(true)).isEqualTo(RestartMode.CRIU);
    assertThat(RestartMode.SEED.toString()).isEqualTo("seed");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RestartMode.parse("keep"))
        .hasMessageContaining("seed, criu or keep-break");
  }
}
