package io.leasecr.core.locks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lease rules without actors: each test drives the table as syscalls would and checks the effects. */
class LeaseTableTest {

  private static final Inode F = new Inode(1001, "00:2a", "/f", 0, Inode.Kind.REGULAR, true);
  private static final Inode DIR = new Inode(1002, "00:2a", "/d", 0, Inode.Kind.DIRECTORY, true);
  private static final Inode NFS = new Inode(1003, "00:2a", "/nfs", 0, Inode.Kind.REGULAR, false);

  private final LeaseTable table = new LeaseTable(45, true);
  private final Recorder ev = new Recorder();

  /** What the table asked for, in order. */
  static final class Recorder implements LockEvents {
    final List<String> signals = new ArrayList<>();
    final List<BlockedOpener> unblocked = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    @Override
    public void note(int pid, String text) {
      notes.add(pid + ": " + text);
    }

    @Override
    public void signal(int pid, int signo, int siCode, int siFd, Lease lease) {
      signals.add(pid + ":" + Signals.name(signo) + ":" + Signals.codeName(siCode) + ":" + siFd);
    }

    @Override
    public void unblocked(BlockedOpener opener) {
      unblocked.add(opener);
    }

    final List<String> changes = new ArrayList<>();

    @Override
    public void leaseChanged(Lease lease, String change) {
      changes.add(change);
    }
  }

  private OpenFile open(int pid, Inode inode, AccessMode mode, long now) {
    LeaseTable.Outcome o = table.open(pid, 0, inode, mode, false, now, ev);
    assertThat(o).isInstanceOf(LeaseTable.Outcome.Done.class);
    return ((LeaseTable.Outcome.Done) o).file();
  }

  private Errno setLease(int pid, OpenFile f, LeaseType type, long now) {
    return table.setLease(pid, 3, f.inode().ino(), f.id(), type.value, Credentials.ROOT, now, ev);
  }

  private Lease lease() {
    return table.context(F.ino()).leases().get(0);
  }

  @Test
  void aWriterStartsTheBreakSignalsOnceAndSleeps() {
    OpenFile holder = open(1, F, AccessMode.O_RDONLY, 0);
    assertThat(setLease(1, holder, LeaseType.WRLCK, 0)).isNull();
    LeaseTable.Outcome first = table.open(2, 7, F, AccessMode.O_WRONLY, false, 1000, ev);
    assertThat(first).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(ev.signals).containsExactly("1:SIGIO:SI_KERNEL:-1");
    Lease l = lease();
    assertThat(l.targetType()).isEqualTo(LeaseType.UNLCK);
    assertThat(l.typePrev()).isEqualTo(LeaseType.WRLCK);
    assertThat(l.breakNotified()).isTrue();
    assertThat(l.breakTime()).isEqualTo(46_000);

    // a later writer neither signals again nor moves the deadline
    assertThat(table.open(3, 8, F, AccessMode.O_RDWR, false, 5000, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(ev.signals).hasSize(1);
    assertThat(l.breakTime()).isEqualTo(46_000);

    // the deadline removes the lease and wakes both, in arrival order
    table.timeOutLeases(F.ino(), 45_999, ev);
    assertThat(ev.unblocked).isEmpty();
    table.timeOutLeases(F.ino(), 46_000, ev);
    assertThat(ev.unblocked).extracting(BlockedOpener::pid).containsExactly(2, 3);
    assertThat(table.getLease(F.ino(), holder.id(), 46_000, ev)).isEqualTo(LeaseType.UNLCK);
  }

  @Test
  void leasesExpireLazilyOnlyWhenSomethingLooks() {
    OpenFile holder = open(1, F, AccessMode.O_RDONLY, 0);
    setLease(1, holder, LeaseType.RDLCK, 0);
    // an O_NONBLOCK writer starts the break and leaves: nobody sleeps on it
    assertThat(table.open(2, 7, F, AccessMode.O_WRONLY, true, 1000, ev))
        .isEqualTo(new LeaseTable.Outcome.Failed(Errno.EWOULDBLOCK));
    assertThat(table.sleeperWakeTime(F.ino())).as("no sleeper: no timer").isZero();
    table.wakeSleepers(F.ino(), 60_000, ev);
    assertThat(lease().breaking()).as("past the deadline, still breaking").isTrue();
    // F_UNLCK still finds it (generic_delete_lease does not time out)
    assertThat(setLease(1, holder, LeaseType.UNLCK, 60_000)).isNull();
    assertThat(table.context(F.ino()).leases()).isEmpty();
  }

  @Test
  void aSleeperWakesAtTheFirstLeasesBreakTimeAndTimesLeasesOut() {
    OpenFile holder = open(1, F, AccessMode.O_RDONLY, 0);
    setLease(1, holder, LeaseType.RDLCK, 0);
    table.open(2, 7, F, AccessMode.O_WRONLY, false, 1000, ev);
    assertThat(table.sleeperWakeTime(F.ino())).isEqualTo(46_000);
    table.wakeSleepers(F.ino(), 45_999, ev);
    assertThat(ev.unblocked).isEmpty();
    table.wakeSleepers(F.ino(), 46_000, ev);
    assertThat(ev.unblocked).extracting(BlockedOpener::pid).containsExactly(2);
  }

  @Test
  void whenTheOnlySleeperLeavesNobodyWakesAtTheDeadline() {
    OpenFile holder = open(1, F, AccessMode.O_RDONLY, 0);
    setLease(1, holder, LeaseType.RDLCK, 0);
    table.open(5, 9, F, AccessMode.O_WRONLY, false, 1000, ev);
    assertThat(table.sleeperWakeTime(F.ino())).isEqualTo(46_000);
    assertThat(table.abandon(F.ino(), 5, 9)).isTrue(); // a signal: EINTR
    assertThat(table.sleeperWakeTime(F.ino())).isZero();
    table.wakeSleepers(F.ino(), 50_000, ev);
    assertThat(lease().breaking()).isTrue();
  }

  @Test
  void aReaderAsksForADowngradeWhichTheHolderGrants() {
    OpenFile holder = open(1, F, AccessMode.O_RDONLY, 0);
    setLease(1, holder, LeaseType.WRLCK, 0);
    assertThat(table.open(2, 7, F, AccessMode.O_RDONLY, false, 0, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(table.getLease(F.ino(), holder.id(), 0, ev)).isEqualTo(LeaseType.RDLCK);
    assertThat(setLease(1, holder, LeaseType.RDLCK, 500)).isNull();
    assertThat(ev.unblocked).extracting(BlockedOpener::pid).containsExactly(2);
    assertThat(lease().type()).isEqualTo(LeaseType.RDLCK);
    assertThat(lease().breaking()).isFalse();
    assertThat(lease().typePrev()).as("cleared once the break is over").isNull();
  }

  @Test
  void aReaderBreakRunsOutAsAForcedDowngrade() {
    OpenFile holder = open(1, F, AccessMode.O_RDONLY, 0);
    setLease(1, holder, LeaseType.WRLCK, 0);
    table.open(2, 7, F, AccessMode.O_RDONLY, false, 0, ev);
    table.timeOutLeases(F.ino(), 45_000, ev);
    assertThat(ev.unblocked).hasSize(1);
    assertThat(table.getLease(F.ino(), holder.id(), 45_000, ev)).isEqualTo(LeaseType.RDLCK);
    // a writer later starts a fresh break, remembering READ as the type before it
    table.open(3, 9, F, AccessMode.O_WRONLY, false, 50_000, ev);
    assertThat(lease().typePrev()).isEqualTo(LeaseType.RDLCK);
    assertThat(ev.signals).hasSize(2);
  }

  @Test
  void anOldDowngradesDeadlineDowngradesAnUpgradedLeaseAgainAtTheNextLook() {
    OpenFile holder = open(1, F, AccessMode.O_RDONLY, 0);
    setLease(1, holder, LeaseType.WRLCK, 0);
    assertThat(table.open(2, 7, F, AccessMode.O_RDONLY, true, 1000, ev))
        .isEqualTo(new LeaseTable.Outcome.Failed(Errno.EWOULDBLOCK)); // downgrade pending, deadline 46 s
    assertThat(setLease(1, holder, LeaseType.RDLCK, 1500)).isNull();
    assertThat(setLease(1, holder, LeaseType.WRLCK, 1700)).isNull();
    // fl_downgrade_time is still 46 s: the upgrade holds before it, and the first look at it downgrades again
    assertThat(table.getLease(F.ino(), holder.id(), 45_999, ev)).isEqualTo(LeaseType.WRLCK);
    assertThat(lease().type()).isEqualTo(LeaseType.WRLCK);
    assertThat(table.getLease(F.ino(), holder.id(), 46_000, ev)).isEqualTo(LeaseType.RDLCK);
    assertThat(ev.changes.get(ev.changes.size() - 1)).startsWith("deadline of an earlier downgrade");
    assertThat(lease().breaking()).isFalse();
    assertThat(ev.signals).hasSize(1);
    // past it, a READ lease is left as it is: later looks change nothing
    int changes = ev.changes.size();
    assertThat(table.getLease(F.ino(), holder.id(), 50_000, ev)).isEqualTo(LeaseType.RDLCK);
    assertThat(ev.changes).hasSize(changes);
  }

  @Test
  void aNonBlockingOpenerFailsButTheBreakGoesOn() {
    OpenFile holder = open(1, F, AccessMode.O_RDONLY, 0);
    setLease(1, holder, LeaseType.WRLCK, 0);
    LeaseTable.Outcome o = table.open(2, 7, F, AccessMode.O_WRONLY, true, 0, ev);
    assertThat(o).isEqualTo(new LeaseTable.Outcome.Failed(Errno.EWOULDBLOCK));
    assertThat(ev.signals).hasSize(1);
    assertThat(table.context(F.ino()).writeCount()).as("the failed open is not counted").isZero();
    // with the writer gone, a downgrade succeeds but the unlock stays pending (kernel report item 4)
    assertThat(setLease(1, holder, LeaseType.RDLCK, 10)).isNull();
    assertThat(table.getLease(F.ino(), holder.id(), 10, ev)).isEqualTo(LeaseType.UNLCK);
  }

  @Test
  void setLeaseChecksInTheKernelsOrder() {
    OpenFile f = open(1, F, AccessMode.O_RDONLY, 0);
    Credentials stranger = new Credentials(1000, false);
    assertThat(table.setLease(1, 3, F.ino(), f.id(), 5, stranger, 0, ev)).as("bad arg before owner").isEqualTo(Errno.EINVAL);
    assertThat(table.setLease(1, 3, F.ino(), f.id(), LeaseType.UNLCK.value, stranger, 0, ev)).isEqualTo(Errno.EACCES);
    assertThat(table.setLease(1, 3, F.ino(), f.id(), LeaseType.RDLCK.value, stranger, 0, ev)).isEqualTo(Errno.EACCES);
    assertThat(setLease(1, f, LeaseType.UNLCK, 0)).as("no lease to remove").isEqualTo(Errno.EAGAIN);
    assertThat(table.setLease(1, 3, F.ino(), 999, LeaseType.RDLCK.value, Credentials.ROOT, 0, ev)).isEqualTo(Errno.EBADF);
    OpenFile dir = open(1, DIR, AccessMode.O_RDONLY, 0);
    assertThat(setLease(1, dir, LeaseType.RDLCK, 0)).isEqualTo(Errno.EINVAL);
    OpenFile nfs = open(1, NFS, AccessMode.O_RDONLY, 0);
    assertThat(table.setLease(1, 3, NFS.ino(), nfs.id(), LeaseType.RDLCK.value, stranger, 0, ev))
        .as("no lease support wins over ownership").isEqualTo(Errno.EINVAL);
  }

  @Test
  void aDirectoryOpenedWithOTruncIsEisdirUnlessOPath() {
    // may_open on Linux 6.18: O_TRUNC asks for write access, so O_RDONLY|O_TRUNC on a directory is EISDIR like
    // O_WRONLY and O_RDWR; O_PATH drops O_TRUNC and opens it
    for (AccessMode mode : List.of(AccessMode.O_RDONLY, AccessMode.O_WRONLY, AccessMode.O_RDWR)) {
      for (boolean nonblock : new boolean[] {false, true}) {
        assertThat(table.open(1, 0, DIR, mode, nonblock, true, 0, ev)).as(mode + "|O_TRUNC")
            .isEqualTo(new LeaseTable.Outcome.Failed(Errno.EISDIR));
      }
    }
    assertThat(table.open(1, 0, DIR, AccessMode.O_PATH, false, true, 0, ev)).as("O_PATH|O_TRUNC")
        .isInstanceOf(LeaseTable.Outcome.Done.class);
    assertThat(table.open(1, 0, DIR, AccessMode.O_RDONLY, false, false, 0, ev)).as("O_RDONLY")
        .isInstanceOf(LeaseTable.Outcome.Done.class);
    assertThat(table.open(1, 0, F, AccessMode.O_RDONLY, false, true, 0, ev)).as("a regular file with O_TRUNC")
        .isInstanceOf(LeaseTable.Outcome.Done.class);
  }

  @Test
  void conflictingOpensRefuseLeases() {
    OpenFile mine = open(1, F, AccessMode.O_RDONLY, 0);
    OpenFile other = open(2, F, AccessMode.O_RDONLY, 0);
    assertThat(setLease(1, mine, LeaseType.WRLCK, 0)).isEqualTo(Errno.EAGAIN);
    assertThat(setLease(1, mine, LeaseType.RDLCK, 0)).isNull();
    assertThat(setLease(2, other, LeaseType.RDLCK, 0)).as("read leases coexist").isNull();
    assertThat(setLease(1, mine, LeaseType.WRLCK, 0)).as("upgrade with another lease").isEqualTo(Errno.EAGAIN);
    assertThat(table.open(3, 7, F, AccessMode.O_RDWR, false, 0, ev)).isInstanceOf(LeaseTable.Outcome.Blocked.class);
    assertThat(ev.signals).as("every read holder is told").containsExactly("1:SIGIO:SI_KERNEL:-1", "2:SIGIO:SI_KERNEL:-1");
    setLease(1, mine, LeaseType.UNLCK, 500);
    assertThat(ev.unblocked).as("one read lease is left").isEmpty();
    setLease(2, other, LeaseType.UNLCK, 1500);
    assertThat(ev.unblocked).extracting(BlockedOpener::pid).containsExactly(3);
  }

  @Test
  void aReadLeaseNeedsNoWriterAnywhere() {
    OpenFile rw = open(1, F, AccessMode.O_RDWR, 0);
    assertThat(setLease(1, rw, LeaseType.RDLCK, 0)).isEqualTo(Errno.EAGAIN);
    assertThat(setLease(1, rw, LeaseType.WRLCK, 0)).as("write lease on the only open, O_RDWR").isNull();
    assertThat(setLease(1, rw, LeaseType.RDLCK, 0)).as("downgrade through an O_RDWR fd").isEqualTo(Errno.EAGAIN);
  }

  @Test
  void leasesEnableZeroRefusesNewLeasesOnly() {
    OpenFile f = open(1, F, AccessMode.O_RDONLY, 0);
    assertThat(setLease(1, f, LeaseType.WRLCK, 0)).isNull();
    table.setLeasesEnable(false);
    assertThat(setLease(1, f, LeaseType.RDLCK, 0)).isNull();
    assertThat(setLease(1, f, LeaseType.UNLCK, 0)).isNull();
    assertThat(setLease(1, f, LeaseType.RDLCK, 0)).isEqualTo(Errno.EINVAL);
  }

  @Test
  void theLastCloseReleasesAndWakes() {
    OpenFile holder = open(1, F, AccessMode.O_RDONLY, 0);
    setLease(1, holder, LeaseType.WRLCK, 0);
    table.get(F.ino(), holder.id()); // dup or fork
    table.open(2, 7, F, AccessMode.O_WRONLY, false, 0, ev);
    table.put(1, F.ino(), holder.id(), 100, ev);
    assertThat(ev.unblocked).as("one fd still refers to the description").isEmpty();
    table.put(1, F.ino(), holder.id(), 200, ev);
    assertThat(ev.unblocked).extracting(BlockedOpener::pid).containsExactly(2);
  }

  @Test
  void anInterruptedOpenerLeavesTheQueueAndTheCounts() {
    OpenFile holder = open(1, F, AccessMode.O_RDONLY, 0);
    setLease(1, holder, LeaseType.WRLCK, 0);
    table.open(2, 7, F, AccessMode.O_WRONLY, false, 0, ev);
    assertThat(table.context(F.ino()).writeCount()).isEqualTo(1);
    assertThat(table.abandon(F.ino(), 2, 7)).isTrue();
    assertThat(table.abandon(F.ino(), 2, 7)).isFalse();
    assertThat(table.context(F.ino()).writeCount()).isZero();
    assertThat(table.getLease(F.ino(), holder.id(), 1, ev)).as("the break stays in progress").isEqualTo(LeaseType.UNLCK);
  }

  @Test
  void breakTimeZeroMeansNoDeadline() {
    table.setLeaseBreakTime(0);
    OpenFile holder = open(1, F, AccessMode.O_RDONLY, 0);
    setLease(1, holder, LeaseType.WRLCK, 0);
    table.open(2, 7, F, AccessMode.O_WRONLY, false, 0, ev);
    assertThat(table.nextDeadline(F.ino())).isZero();
    table.timeOutLeases(F.ino(), Long.MAX_VALUE / 2, ev);
    assertThat(ev.unblocked).isEmpty();
  }

  @Test
  void setSigChoosesTheSignalAndReportsTheLeaseFd() {
    OpenFile holder = open(1, F, AccessMode.O_RDONLY, 0);
    assertThat(table.setSig(F.ino(), holder.id(), Signals.SIGRTMIN + 1)).isNull();
    assertThat(table.setSig(F.ino(), holder.id(), 65)).isEqualTo(Errno.EINVAL);
    table.setLease(1, 11, F.ino(), holder.id(), LeaseType.WRLCK.value, Credentials.ROOT, 0, ev);
    table.open(2, 7, F, AccessMode.O_WRONLY, true, 0, ev);
    assertThat(ev.signals).containsExactly("1:SIGRTMIN+1:POLL_MSG:11");
    // removing the lease resets F_SETSIG: the next lease signals plain SIGIO
    setLease(1, holder, LeaseType.UNLCK, 1);
    setLease(1, holder, LeaseType.WRLCK, 2);
    table.open(2, 8, F, AccessMode.O_WRONLY, true, 3, ev);
    assertThat(ev.signals).last().isEqualTo("1:SIGIO:SI_KERNEL:-1");
  }
}
