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

  /** P1 (pid 1) holds a write lease that P2's open broke at 1 s; saved at 41 s. */
  private static SavedLocks savedBreak(boolean notified) {
    LeaseTable t = new LeaseTable(45, true);
    LeaseTableTest.Recorder r = new LeaseTableTest.Recorder();
    OpenFile holder = ((LeaseTable.Outcome.Done) t.open(1, 0, F, AccessMode.O_RDONLY, false, 0, r)).file();
    holder.ownerPid = 1;
    t.setLease(1, 3, F.ino(), holder.id(), LeaseType.WRLCK.value, Credentials.ROOT, 0, r);
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

  @Test
  void modesParseAndSayTheirNames() {
    assertThat(RestartMode.parse("keep-break")).isEqualTo(RestartMode.KEEP_BREAK);
    assertThat(RestartMode.of(true)).isEqualTo(RestartMode.CRIU);
    assertThat(RestartMode.SEED.toString()).isEqualTo("seed");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RestartMode.parse("keep"))
        .hasMessageContaining("seed, criu or keep-break");
  }
}
