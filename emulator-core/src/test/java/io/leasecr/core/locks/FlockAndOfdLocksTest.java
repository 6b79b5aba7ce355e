package io.leasecr.core.locks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** flock(2) and open file description locks without actors: the rules of fs/locks.c as the table applies them. */
class FlockAndOfdLocksTest {

  private static final Inode F = new Inode(1001, "00:2a", "/f", 0, Inode.Kind.REGULAR, true);
  private static final int SH = FlockLocks.LOCK_SH;
  private static final int EX = FlockLocks.LOCK_EX;
  private static final int UN = FlockLocks.LOCK_UN;
  private static final int NB = FlockLocks.LOCK_NB;

  private final LeaseTable table = new LeaseTable(45, true);
  private final GrantLog ev = new GrantLog() {
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
  private final List<String> granted = ev.granted;
  private final List<String> notes = new ArrayList<>();
  private long req;

  private OpenFile open(int pid, AccessMode mode) {
    return ((LeaseTable.Outcome.Done) table.open(pid, 0, F, mode, false, 0, ev)).file();
  }

  private FlockLocks.Outcome flock(int pid, OpenFile f, int op) {
    return table.flock(pid, ++req, F.ino(), f.id(), op, ev);
  }

  private PosixLocks.Outcome ofd(int pid, OpenFile f, LeaseType type, long start, long len, boolean wait) {
    return table.setOfdLk(pid, ++req, F.ino(), f.id(), type.value, start, len, 0, wait, ev);
  }

  private List<String> procLocks() {
    return ProcLocks.render(table);
  }

  @Test
  void flockConflictsBetweenDescriptionsNotWithinOne() {
    OpenFile a = open(101, AccessMode.O_RDONLY);
    OpenFile a2 = open(101, AccessMode.O_RDONLY); // same process, second open: another owner
    assertThat(flock(101, a, EX)).isInstanceOf(FlockLocks.Outcome.Granted.class);
    table.get(F.ino(), a.id()); // dup: the same description asks again, no conflict
    assertThat(flock(101, a, EX | NB)).isInstanceOf(FlockLocks.Outcome.Granted.class);
    assertThat(flock(101, a2, SH | NB)).isEqualTo(new FlockLocks.Outcome.Failed(Errno.EWOULDBLOCK));
    // flock never meets POSIX locks
    assertThat(table.setLk(101, ++req, F.ino(), a2.id(), LeaseType.RDLCK.value, 0, 0, false, ev))
        .isInstanceOf(PosixLocks.Outcome.Granted.class);
    assertThat(procLocks()).containsExactly("1: POSIX  ADVISORY  READ 101 00:2a:1001 0 EOF",
        "2: FLOCK  ADVISORY  WRITE 101 00:2a:1001 0 EOF");
  }

  @Test
  void aFailedNonBlockingUpgradeDropsTheOldLock() {
    OpenFile a = open(101, AccessMode.O_RDWR);
    OpenFile b = open(102, AccessMode.O_RDWR);
    flock(101, a, SH);
    flock(102, b, SH);
    assertThat(flock(101, a, EX | NB)).isEqualTo(new FlockLocks.Outcome.Failed(Errno.EWOULDBLOCK));
    assertThat(procLocks()).containsExactly("1: FLOCK  ADVISORY  READ 102 00:2a:1001 0 EOF");
    assertThat(flock(102, b, EX | NB)).isInstanceOf(FlockLocks.Outcome.Granted.class);
  }

  @Test
  void waitersNestUnderConflictingWaitersAndWakeInOrder() {
    OpenFile a = open(101, AccessMode.O_RDONLY);
    OpenFile b = open(102, AccessMode.O_RDONLY);
    OpenFile c = open(103, AccessMode.O_RDONLY);
    flock(101, a, EX);
    assertThat(flock(102, b, SH)).isInstanceOf(FlockLocks.Outcome.Blocked.class);
    assertThat(flock(103, c, EX)).isInstanceOf(FlockLocks.Outcome.Blocked.class);
    assertThat(procLocks()).containsExactly("1: FLOCK  ADVISORY  WRITE 101 00:2a:1001 0 EOF",
        "1: -> FLOCK  ADVISORY  READ 102 00:2a:1001 0 EOF", "1:  -> FLOCK  ADVISORY  WRITE 103 00:2a:1001 0 EOF");
    flock(101, a, UN);
    assertThat(granted).containsExactly("flock 102");
    table.put(102, F.ino(), b.id(), 0, ev); // the last close drops the flock lock
    assertThat(granted).containsExactly("flock 102", "flock 103");
  }

  @Test
  void anInterruptedFlockLeavesTheQueue() {
    OpenFile a = open(101, AccessMode.O_RDONLY);
    OpenFile b = open(102, AccessMode.O_RDONLY);
    flock(101, a, EX);
    FlockLocks.Outcome o = flock(102, b, SH);
    assertThat(table.abandonLk(F.ino(), 102, ((FlockLocks.Outcome.Blocked) o).waiter().reqId())).isTrue();
    flock(101, a, UN);
    assertThat(granted).isEmpty();
    assertThat(procLocks()).isEmpty();
  }

  @Test
  void flockChecksTheOperationBeforeTheFd() {
    OpenFile path = open(101, AccessMode.O_PATH);
    assertThat(flock(101, path, 0)).isEqualTo(new FlockLocks.Outcome.Failed(Errno.EINVAL));
    assertThat(flock(101, path, SH | EX)).isEqualTo(new FlockLocks.Outcome.Failed(Errno.EINVAL));
    assertThat(flock(101, path, SH)).isEqualTo(new FlockLocks.Outcome.Failed(Errno.EBADF));
    assertThat(flock(101, open(101, AccessMode.O_WRONLY), SH)).isInstanceOf(FlockLocks.Outcome.Granted.class);
  }

  @Test
  void ofdLocksBelongToTheDescriptionAndConflictWithClassicLocksOfTheSameProcess() {
    OpenFile a = open(101, AccessMode.O_RDWR);
    OpenFile a2 = open(101, AccessMode.O_RDWR);
    assertThat(ofd(101, a, LeaseType.WRLCK, 0, 10, false)).isInstanceOf(PosixLocks.Outcome.Granted.class);
    assertThat(ofd(101, a2, LeaseType.RDLCK, 5, 1, false)).isEqualTo(new PosixLocks.Outcome.Failed(Errno.EAGAIN));
    assertThat(table.setLk(101, ++req, F.ino(), a2.id(), LeaseType.RDLCK.value, 5, 1, false, ev))
        .isEqualTo(new PosixLocks.Outcome.Failed(Errno.EAGAIN));
    GetLk seen = table.getLk(101, F.ino(), a2.id(), LeaseType.RDLCK.value, 0, 0);
    assertThat(seen).isInstanceOf(GetLk.Locked.class);
    assertThat(((GetLk.Locked) seen).lock().procPid()).isEqualTo(-1); // F_GETLK reports an OFD lock with l_pid -1
    assertThat(seen.lType()).isEqualTo(LeaseType.WRLCK.value);
    assertThat(table.getOfdLk(101, F.ino(), a.id(), LeaseType.WRLCK.value, 0, 0, 0)).isEqualTo(GetLk.UNLOCKED);
    assertThat(table.getOfdLk(101, F.ino(), a.id(), LeaseType.WRLCK.value, 0, 0, 0).lType())
        .isEqualTo(LeaseType.UNLCK.value);
    assertThat(table.getOfdLk(101, F.ino(), a.id(), LeaseType.UNLCK.value, 0, 0, 0)).isEqualTo(seen);
    assertThat(table.getOfdLk(101, F.ino(), a.id(), LeaseType.WRLCK.value, 0, 0, 7))
        .isEqualTo(new GetLk.Failed(Errno.EINVAL));
    // a range past OFFSET_MAX is EOVERFLOW, but a bad type is seen first (fcntl_getlk)
    assertThat(table.getOfdLk(101, F.ino(), a.id(), LeaseType.WRLCK.value, Long.MAX_VALUE, 2, 0))
        .isEqualTo(new GetLk.Failed(Errno.EOVERFLOW));
    assertThat(table.getOfdLk(101, F.ino(), a.id(), 5, Long.MAX_VALUE, 2, 0)).isEqualTo(new GetLk.Failed(Errno.EINVAL));
    assertThat(table.getLk(101, F.ino(), a.id(), LeaseType.UNLCK.value, 0, 0))
        .isEqualTo(new GetLk.Failed(Errno.EINVAL)); // classic F_GETLK asks about F_RDLCK or F_WRLCK only
    assertThat(table.setOfdLk(101, ++req, F.ino(), a.id(), LeaseType.WRLCK.value, 0, 0, 7, false, ev))
        .isEqualTo(new PosixLocks.Outcome.Failed(Errno.EINVAL));
    assertThat(procLocks()).containsExactly("1: OFDLCK ADVISORY  WRITE -1 00:2a:1001 0 9");
  }

  @Test
  void ofdLocksSurviveOtherClosesAndGoWithTheLastOne() {
    OpenFile a = open(101, AccessMode.O_RDWR);
    OpenFile other = open(101, AccessMode.O_RDONLY);
    ofd(101, a, LeaseType.WRLCK, 0, 0, false);
    table.setLk(101, ++req, F.ino(), other.id(), LeaseType.RDLCK.value, 100, 1, false, ev);
    OpenFile b = open(102, AccessMode.O_RDWR);
    assertThat(ofd(102, b, LeaseType.RDLCK, 0, 1, true)).isInstanceOf(PosixLocks.Outcome.Blocked.class);
    table.get(F.ino(), a.id()); // fork: the child shares the description
    table.put(101, F.ino(), other.id(), 0, ev); // drops the classic lock only
    table.put(101, F.ino(), a.id(), 0, ev); // not the last close
    assertThat(procLocks()).containsExactly("1: OFDLCK ADVISORY  WRITE -1 00:2a:1001 0 EOF",
        "1: -> OFDLCK ADVISORY  READ -1 00:2a:1001 0 0");
    table.put(103, F.ino(), a.id(), 0, ev); // the child's close is the last
    assertThat(granted).containsExactly("posix 102");
  }

  @Test
  void ofdWaitersAreNeverDeadlocked() {
    OpenFile a = open(101, AccessMode.O_RDWR);
    OpenFile b = open(102, AccessMode.O_RDWR);
    ofd(101, a, LeaseType.WRLCK, 0, 10, false);
    ofd(102, b, LeaseType.WRLCK, 10, 10, false);
    assertThat(ofd(101, a, LeaseType.WRLCK, 10, 10, true)).isInstanceOf(PosixLocks.Outcome.Blocked.class);
    assertThat(ofd(102, b, LeaseType.WRLCK, 0, 10, true)).isInstanceOf(PosixLocks.Outcome.Blocked.class);
  }

  @Test
  void saveAndRestoreKeepFlockAndOfdLocksWithTheirDescriptions() {
    OpenFile a = open(101, AccessMode.O_RDWR);
    flock(101, a, EX);
    ofd(101, a, LeaseType.RDLCK, 5, 5, false);
    SavedLocks saved = table.save(0);
    assertThat(saved.flocks()).containsExactly(new SavedLocks.Flock(F.ino(), new FlockLock(a.id(), 101, LeaseType.WRLCK)));
    LeaseTable fresh = new LeaseTable(45, true);
    fresh.restore(saved, Set.of(101), Map.of(a.id(), 1), Set.of(), RestartPolicy.parse("remaining"), false, 0,
        Map.of(), ev);
    assertThat(ProcLocks.render(fresh)).containsExactly("1: OFDLCK ADVISORY  READ -1 00:2a:1001 5 9",
        "2: FLOCK  ADVISORY  WRITE 101 00:2a:1001 0 EOF");
    // a description nobody restored takes its locks with it
    LeaseTable none = new LeaseTable(45, true);
    none.restore(saved, Set.of(), Map.of(), Set.of(), RestartPolicy.parse("remaining"), false, 0, Map.of(), ev);
    assertThat(ProcLocks.render(none)).isEmpty();
  }

  @Test
  void besideLiveOwnersAConflictingRestoredLockIsRefused() {
    OpenFile x = open(101, AccessMode.O_RDONLY); // the checkpointed table: a's id differs from the live open's
    OpenFile a = open(101, AccessMode.O_RDWR);
    flock(101, a, EX);
    ofd(101, a, LeaseType.WRLCK, 0, 10, false);
    table.put(101, F.ino(), x.id(), 0, ev);
    SavedLocks saved = table.save(0);

    LeaseTable live = new LeaseTable(45, true);
    OpenFile b = ((LeaseTable.Outcome.Done) live.open(102, 0, F, AccessMode.O_RDWR, false, 0, ev)).file();
    live.flock(102, 1, F.ino(), b.id(), SH, ev);
    live.restore(saved, Set.of(101), Map.of(a.id(), 1), Set.of(), RestartPolicy.parse("remaining"), false, 0,
        Map.of(), ev);
    assertThat(ProcLocks.render(live)).containsExactly("1: OFDLCK ADVISORY  WRITE -1 00:2a:1001 0 9",
        "2: FLOCK  ADVISORY  READ 102 00:2a:1001 0 EOF");
    assertThat(notes).containsExactly("pid 101: the restored flock WRITE lock on /f is refused (EWOULDBLOCK): pid 102"
        + " holds a READ flock lock");
  }
}
