package io.leasecr.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.input.Durations;
import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.FlockLock;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.LeaseType;
import io.leasecr.proto.image.OfdLock;
import io.leasecr.proto.image.OpenFile;
import io.leasecr.proto.image.PendingCall;
import io.leasecr.proto.image.PendingReaction;
import io.leasecr.proto.image.PosixLock;
import io.leasecr.proto.image.Process;
import io.leasecr.proto.wire.Disposition;
import io.leasecr.proto.wire.ProcessSpec;
import io.leasecr.proto.wire.Reaction;
import io.leasecr.proto.wire.Syscall;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Every field check of a decoded image ({@link ImageCheck#problem}): each refusal names the field, where it
 * is and the value, and each range is accepted at its edges and refused one past them.
 */
class ImageCheckTest {

  private static final long MAX = Durations.MAX_MS;
  private static final int PID_MAX = 4_194_304;

  private static final CheckpointImage SEED = ImageFilesTest.seed();

  private static String problem(CheckpointImage image) {
    return ImageCheck.problem(image);
  }

  private static CheckpointImage withProcess(int i, UnaryOperator<Process.Builder> change) {
    return SEED.toBuilder().setProcesses(i, change.apply(SEED.getProcesses(i).toBuilder())).build();
  }

  private static CheckpointImage withSpec(UnaryOperator<ProcessSpec.Builder> change) {
    return withProcess(0, p -> p.setSpec(change.apply(p.getSpec().toBuilder())));
  }

  private static CheckpointImage withLease(UnaryOperator<Lease.Builder> change) {
    return SEED.toBuilder().setLeases(0, change.apply(SEED.getLeases(0).toBuilder())).build();
  }

  private static CheckpointImage withPosix(UnaryOperator<PosixLock.Builder> change) {
    return SEED.toBuilder().setPosixLocks(0, change.apply(SEED.getPosixLocks(0).toBuilder())).build();
  }

  private static CheckpointImage withOfd(UnaryOperator<OfdLock.Builder> change) {
    return SEED.toBuilder().addOfdLocks(change.apply(OfdLock.newBuilder().setIno(11).setFileId(7).setPid(101)
        .setStart(0).setEnd(-1))).build();
  }

  @Test
  void theSeedAndAnEmptyImagePass() {
    assertThat(problem(SEED)).isNull();
    assertThat(problem(CheckpointImage.newBuilder().setId("C").build())).isNull();
  }

  @Test
  void theImagesIdAndTimesAreCheckedAtTheirEdges() {
    assertThat(problem(SEED.toBuilder().setId("").build())).isEqualTo("id must not be empty");
    assertThat(problem(SEED.toBuilder().setId(" C1").build())).isEqualTo("id must not start or end with a space");
    assertThat(problem(SEED.toBuilder().setTakenAtMs(0).build())).isNull();
    assertThat(problem(SEED.toBuilder().setTakenAtMs(MAX).build())).isNull();
    assertThat(problem(SEED.toBuilder().setTakenAtMs(-1).build()))
        .isEqualTo("taken_at_ms -1 is out of range (0 to " + MAX + ")");
    assertThat(problem(SEED.toBuilder().setTakenAtMs(MAX + 1).build()))
        .isEqualTo("taken_at_ms " + (MAX + 1) + " is out of range (0 to " + MAX + ")");
    assertThat(problem(SEED.toBuilder().setLeaseBreakTime(Integer.MIN_VALUE).build())).isNull();
    assertThat(problem(SEED.toBuilder().setLeaseBreakTime(Integer.MAX_VALUE).build())).isNull();
    assertThat(problem(SEED.toBuilder().setLeaseBreakTime(Integer.MAX_VALUE + 1L).build()))
        .isEqualTo("lease_break_time 2147483648 s is out of range (an int, as the sysctl)");
    assertThat(problem(SEED.toBuilder().setLeaseBreakTime(Integer.MIN_VALUE - 1L).build()))
        .isEqualTo("lease_break_time -2147483649 s is out of range (an int, as the sysctl)");
  }

  @Test
  void openFilesHaveUniqueIdsAndAbsolutePaths() {
    assertThat(problem(SEED.toBuilder().addFiles(OpenFile.newBuilder().setId(8).setIno(12).setPath("/data/F2")).build()))
        .isNull();
    assertThat(problem(SEED.toBuilder().addFiles(OpenFile.newBuilder().setId(7).setIno(12).setPath("/data/F2")).build()))
        .isEqualTo("files[1].id 7 is used twice");
    assertThat(problem(SEED.toBuilder().setFiles(0, SEED.getFiles(0).toBuilder().setPath("data/F1")).build()))
        .isEqualTo("files[0].path 'data/F1' is not an absolute path");
  }

  @Test
  void pidsAreInRangeAndUnique() {
    for (int pid : new int[] {1, PID_MAX}) {
      assertThat(problem(withSpec(s -> s.setPid(pid)).toBuilder()
          .setLeases(0, SEED.getLeases(0).toBuilder().setPid(pid))
          .setPosixLocks(0, SEED.getPosixLocks(0).toBuilder().setPid(pid)).build())).isNull();
    }
    assertThat(problem(withSpec(s -> s.setPid(0)))).isEqualTo("processes[0].spec.pid 0 is out of range (1 to 4194304)");
    assertThat(problem(withSpec(s -> s.setPid(PID_MAX + 1))))
        .isEqualTo("processes[0].spec.pid 4194305 is out of range (1 to 4194304)");
    assertThat(problem(withProcess(1, p -> p.setSpec(p.getSpec().toBuilder().setPid(101)))))
        .isEqualTo("processes[1].spec.pid 101 is used by two processes");
    assertThat(problem(withProcess(1, p -> p.setSpec(p.getSpec().toBuilder().setName("")))))
        .isEqualTo("processes[1] (pid 102).spec.name must not be empty");
  }

  @Test
  void fdTablesNameFilesOfTheImage() {
    assertThat(problem(withProcess(0, p -> p.putFds(0, 7L)))).isNull();
    assertThat(problem(withProcess(0, p -> p.putFds(-1, 7L)))).isEqualTo("processes[0] (pid 101).fds: fd -1 is negative");
    assertThat(problem(withProcess(1, p -> p.putFds(5, 8L))))
        .isEqualTo("processes[1] (pid 102).fds[5] names open file #8, which the image does not have");
    assertThat(problem(withProcess(0, p -> p.addLeaseFds(4))))
        .isEqualTo("processes[0] (pid 101).lease_fds: fd 4 is not in the process's fd table");
  }

  @Test
  void reactionDelaysAndJittersAreTimesInRange() {
    assertThat(problem(withSpec(s -> s.addReactions(Reaction.newBuilder().setSigno(29).setDelayMs(0).setJitterMs(MAX))))).isNull();
    assertThat(problem(withSpec(s -> s.addReactions(Reaction.newBuilder().setSigno(29).setDelayMs(MAX).setJitterMs(0))))).isNull();
    String range = " out of range (0 to " + MAX + ")";
    assertThat(problem(withSpec(s -> s.addReactions(Reaction.newBuilder().setSigno(29).setDelayMs(-1)))))
        .isEqualTo("processes[0] (pid 101).spec.reactions[1]: delay_ms -1 / jitter_ms 0" + range);
    assertThat(problem(withSpec(s -> s.addReactions(Reaction.newBuilder().setSigno(29).setDelayMs(MAX + 1)))))
        .isEqualTo("processes[0] (pid 101).spec.reactions[1]: delay_ms " + (MAX + 1) + " / jitter_ms 0" + range);
    assertThat(problem(withSpec(s -> s.setReactions(0, s.getReactions(0).toBuilder().setJitterMs(-3)))))
        .isEqualTo("processes[0] (pid 101).spec.reactions[0]: delay_ms 44000 / jitter_ms -3" + range);
    assertThat(problem(withSpec(s -> s.setReactions(0, s.getReactions(0).toBuilder().setJitterMs(MAX + 1)))))
        .contains("jitter_ms " + (MAX + 1));
  }

  @Test
  void pendingAndQueuedCallsHaveTimesAndStepsInRange() {
    assertThat(problem(withProcess(1, p -> p.setPending(PendingCall.newBuilder().setStep(0).setStartedAtMs(MAX))
        .addQueued(PendingCall.newBuilder().setStep(3).setStartedAtMs(0))))).isNull();
    assertThat(problem(withProcess(1, p -> p.setPending(PendingCall.newBuilder().setStartedAtMs(-1)))))
        .isEqualTo("processes[1] (pid 102).pending.started_at_ms -1 is out of range (0 to " + MAX + ")");
    assertThat(problem(withProcess(1, p -> p.setPending(PendingCall.newBuilder().setStartedAtMs(MAX + 1)))))
        .contains("pending.started_at_ms " + (MAX + 1) + " is out of range");
    assertThat(problem(withProcess(1, p -> p.setPending(PendingCall.newBuilder().setStep(-1)))))
        .isEqualTo("processes[1] (pid 102).pending.step -1 is negative");
    assertThat(problem(withProcess(1, p -> p.addQueued(PendingCall.newBuilder()).addQueued(PendingCall.newBuilder()
        .setStep(-2))))).isEqualTo("processes[1] (pid 102).queued[1].step -2 is negative");
    assertThat(problem(withProcess(1, p -> p.addQueued(PendingCall.newBuilder().setStartedAtMs(-5)))))
        .isEqualTo("processes[1] (pid 102).queued[0].started_at_ms -5 is out of range (0 to " + MAX + ")");
  }

  @Test
  void pendingReactionsHaveTimeLeftInRange() {
    assertThat(problem(withProcess(0, p -> p.setReactions(0, p.getReactions(0).toBuilder().setRemainingMs(0))))).isNull();
    assertThat(problem(withProcess(0, p -> p.setReactions(0, p.getReactions(0).toBuilder().setRemainingMs(MAX)))))
        .isNull();
    assertThat(problem(withProcess(0, p -> p.addReactions(PendingReaction.newBuilder().setRemainingMs(-1)))))
        .isEqualTo("processes[0] (pid 101).reactions[1].remaining_ms -1 is out of range (0 to " + MAX + ")");
    assertThat(problem(withProcess(0, p -> p.setReactions(0, p.getReactions(0).toBuilder().setRemainingMs(MAX + 1)))))
        .isEqualTo("processes[0] (pid 101).reactions[0].remaining_ms " + (MAX + 1) + " is out of range (0 to " + MAX + ")");
  }

  @Test
  void leasesNameAFileATimeAndAPidInRange() {
    String at = "lease 1 (leases[0], holder pid 101): ";
    assertThat(problem(withLease(l -> l.setRemainingMs(-1)))).isNull();
    assertThat(problem(withLease(l -> l.setRemainingMs(0)))).isNull();
    assertThat(problem(withLease(l -> l.setRemainingMs(MAX)))).isNull();
    assertThat(problem(withLease(l -> l.setRemainingMs(-2))))
        .isEqualTo(at + "remaining_ms -2 is invalid (-1 for no deadline, else 0 to " + MAX + ")");
    assertThat(problem(withLease(l -> l.setRemainingMs(MAX + 1)))).isEqualTo(at + "remaining_ms " + (MAX + 1)
        + " is invalid (-1 for no deadline, else 0 to " + MAX + ")");
    assertThat(problem(withLease(l -> l.setFileId(9)))).isEqualTo(at + "file_id #9 is no open file of the image");
    // a downgrade's own time left, beside the unlock's: only on a lease with both pending, in the same range
    for (long ok : new long[] {-1, 0, MAX}) {
      assertThat(problem(withLease(l -> l.setDowngradePending(true).setDowngradeRemainingMs(ok)))).isNull();
    }
    assertThat(problem(withLease(l -> l.setDowngradePending(true).setDowngradeRemainingMs(-2))))
        .isEqualTo(at + "downgrade_remaining_ms -2 is invalid (-1 for no deadline, else 0 to " + MAX + ")");
    assertThat(problem(withLease(l -> l.setDowngradePending(true).setDowngradeRemainingMs(MAX + 1))))
        .isEqualTo(at + "downgrade_remaining_ms " + (MAX + 1) + " is invalid (-1 for no deadline, else 0 to " + MAX + ")");
    assertThat(problem(withLease(l -> l.setDowngradeRemainingMs(100)))).isEqualTo(at + "downgrade_remaining_ms is set,"
        + " but the lease is not both unlock_pending and downgrade_pending (only then is remaining_ms the unlock's and"
        + " this the downgrade's)");
    // the holder need not be a process of the image (a forked child may hold the file), but must be a pid
    assertThat(problem(withLease(l -> l.setPid(555)))).isNull();
    assertThat(problem(withLease(l -> l.setPid(0))))
        .isEqualTo("lease 1 (leases[0], holder pid 0): pid 0 is out of range (1 to 4194304)");
    assertThat(problem(withLease(l -> l.setPid(PID_MAX + 1))))
        .isEqualTo("lease 1 (leases[0], holder pid 4194305): pid 4194305 is out of range (1 to 4194304)");
    assertThat(problem(SEED.toBuilder().addLeases(SEED.getLeases(0).toBuilder().setFileId(3)).build()))
        .startsWith("lease 2 (leases[1], holder pid 101): file_id #3");
  }

  @Test
  void posixLocksNameAFileAProcessAndAValidRange() {
    String at = "posix_locks[0] (pid 101): ";
    String invalid = " is invalid (start >= 0, end >= start or -1 for EOF)";
    assertThat(problem(withPosix(l -> l.setStart(5).setEnd(5)))).isNull();
    assertThat(problem(withPosix(l -> l.setStart(5).setEnd(-1)))).isNull();
    assertThat(problem(withPosix(l -> l.setStart(5).setEnd(4)))).isEqualTo(at + "range 5 to 4" + invalid);
    assertThat(problem(withPosix(l -> l.setStart(-1).setEnd(4)))).isEqualTo(at + "range -1 to 4" + invalid);
    assertThat(problem(withPosix(l -> l.setStart(0).setEnd(-2)))).isEqualTo(at + "range 0 to -2" + invalid);
    assertThat(problem(withPosix(l -> l.setIno(12)))).isEqualTo(at + "ino 12 is no file of the image");
    assertThat(problem(withPosix(l -> l.setPid(777))))
        .isEqualTo("posix_locks[0] (pid 777): pid 777 is no process of the image");
    // an image of the lock table alone (no processes) names pids it cannot resolve
    assertThat(problem(SEED.toBuilder().clearProcesses().setPosixLocks(0, SEED.getPosixLocks(0).toBuilder().setPid(777))
        .build())).isNull();
  }

  @Test
  void flockAndOfdLocksNameAFileAndOfdLocksAValidRange() {
    assertThat(problem(SEED.toBuilder().addFlockLocks(FlockLock.newBuilder().setIno(11).setFileId(7).setPid(101)).build()))
        .isNull();
    assertThat(problem(SEED.toBuilder().addFlockLocks(FlockLock.newBuilder().setIno(11).setFileId(7).setPid(101))
        .addFlockLocks(FlockLock.newBuilder().setIno(11).setFileId(6).setPid(102)).build()))
        .isEqualTo("flock_locks[1] (pid 102): file_id #6 is no open file of the image");
    String at = "ofd_locks[0] (pid 101): ";
    String invalid = " is invalid (start >= 0, end >= start or -1 for EOF)";
    assertThat(problem(withOfd(l -> l))).isNull();
    assertThat(problem(withOfd(l -> l.setStart(9).setEnd(9)))).isNull();
    assertThat(problem(withOfd(l -> l.setFileId(6)))).isEqualTo(at + "file_id #6 is no open file of the image");
    assertThat(problem(withOfd(l -> l.setStart(9).setEnd(8)))).isEqualTo(at + "range 9 to 8" + invalid);
    assertThat(problem(withOfd(l -> l.setStart(-1)))).isEqualTo(at + "range -1 to -1" + invalid);
    assertThat(problem(withOfd(l -> l.setStart(0).setEnd(-2)))).isEqualTo(at + "range 0 to -2" + invalid);
  }

  @Test
  void signalsAndNamesAreOnesLinuxHas() {
    // open() takes the lowest free fd with no RLIMIT_NOFILE in the emulator: an fd past 1023 can be in an image
    assertThat(problem(withProcess(0, p -> p.putFds(1024, 7L)))).isNull();
    assertThat(problem(withProcess(1, p -> p.setSpec(p.getSpec().toBuilder().setName("P1")))))
        .isEqualTo("processes[1] (pid 102).spec.name 'P1' is used by two processes");
    assertThat(problem(withProcess(1, p -> p.addPendingSignals(io.leasecr.proto.wire.Signal.newBuilder().setSigno(64)))))
        .isNull();
    assertThat(problem(withProcess(1, p -> p.addPendingSignals(io.leasecr.proto.wire.Signal.newBuilder().setSigno(10))
        .addPendingSignals(io.leasecr.proto.wire.Signal.newBuilder().setSigno(65)))))
        .isEqualTo("processes[1] (pid 102).pending_signals[1].signo 65 is no signal (1 to 64)");
    assertThat(problem(withProcess(1, p -> p.addPendingSignals(io.leasecr.proto.wire.Signal.newBuilder().setSigno(0)))))
        .contains("pending_signals[0].signo 0 is no signal");
    assertThat(problem(SEED.toBuilder().setFiles(0, SEED.getFiles(0).toBuilder().setSignum(64)).build())).isNull();
    assertThat(problem(SEED.toBuilder().setFiles(0, SEED.getFiles(0).toBuilder().setSignum(65)).build()))
        .isEqualTo("files[0].signum 65 is no F_SETSIG signal (0 for SIGIO, or 1 to 64)");
    assertThat(problem(SEED.toBuilder().setFiles(0, SEED.getFiles(0).toBuilder().setSignum(-1)).build()))
        .startsWith("files[0].signum -1 is no F_SETSIG signal");
  }

  @Test
  void dispositionsMasksReactionsAndInodesAreOnesLinuxHas() {
    String p1 = "processes[0] (pid 101)";
    Disposition handler = Disposition.newBuilder().setKind(Disposition.Kind.HANDLER).build();
    assertThat(problem(withSpec(s -> s.putDispositions(64, handler).putDispositions(1, handler)))).isNull();
    assertThat(problem(withSpec(s -> s.putDispositions(65, handler))))
        .isEqualTo(p1 + ".spec.dispositions: 65 is no signal (1 to 64)");
    assertThat(problem(withSpec(s -> s.putDispositions(0, handler)))).contains("dispositions: 0 is no signal");
    assertThat(problem(withSpec(s -> s.putDispositions(19, Disposition.getDefaultInstance()))))
        .isEqualTo(p1 + ".spec.dispositions: SIGSTOP cannot be caught or ignored (sigaction is EINVAL)");
    assertThat(problem(withSpec(s -> s.addReactions(Reaction.newBuilder().setSigno(64)))))
        .isNull();
    assertThat(problem(withSpec(s -> s.addReactions(Reaction.newBuilder().setSigno(0)))))
        .isEqualTo(p1 + ".spec.reactions[1].signo 0 is no signal (1 to 64)");
    long all = -1L;
    long catchable = all & ~(1L << 8) & ~(1L << 18);
    assertThat(problem(withProcess(0, p -> p.setBlockedSignals(catchable)))).isNull();
    assertThat(problem(withProcess(0, p -> p.setBlockedSignals(1L << 8))))
        .isEqualTo(p1 + ".blocked_signals blocks SIGKILL, which cannot be blocked (sigprocmask drops it from the set)");
    assertThat(problem(withProcess(0, p -> p.setBlockedSignals(catchable | 1L << 18)))).contains("blocks SIGSTOP");
    assertThat(problem(SEED.toBuilder().setFiles(0, SEED.getFiles(0).toBuilder().setIno(1)).build())).isNotNull()
        .doesNotContain("inode number"); // the locks still name ino 11: refused for that, not for the number
    assertThat(problem(SEED.toBuilder().setFiles(0, SEED.getFiles(0).toBuilder().setIno(-1)).build()))
        .isEqualTo("files[0].ino -1 is no inode number (1 or more)");
  }

  @Test
  void flockAndOfdLocksAreOnTheirDescriptionsInodeAndNeverUnlocked() {
    FlockLock flock = FlockLock.newBuilder().setIno(11).setFileId(7).setPid(101).build();
    assertThat(problem(SEED.toBuilder().addFlockLocks(flock.toBuilder().setType(LeaseType.F_UNLCK)).build()))
        .isEqualTo("flock_locks[0] (pid 101): type F_UNLCK is no lock (flock LOCK_UN removes it)");
    assertThat(problem(SEED.toBuilder().addFlockLocks(flock.toBuilder().setIno(12)).build()))
        .isEqualTo("flock_locks[0] (pid 101): ino 12 is not the ino of its open file #7 (11)");
    assertThat(problem(withOfd(l -> l.setType(LeaseType.F_UNLCK))))
        .isEqualTo("ofd_locks[0] (pid 101): type F_UNLCK is no lock (F_OFD_SETLK F_UNLCK removes the range)");
    assertThat(problem(withOfd(l -> l.setIno(12))))
        .isEqualTo("ofd_locks[0] (pid 101): ino 12 is not the ino of its open file #7 (11)");
  }

  /** SEED with a second description of /data/F1 (#8, ino 11), open in P2 as fd 4. */
  private static CheckpointImage.Builder secondOpen(io.leasecr.proto.wire.AccessMode mode) {
    CheckpointImage.Builder b = SEED.toBuilder()
        .addFiles(OpenFile.newBuilder().setId(8).setIno(11).setPath("/data/F1").setMode(mode).setOwnerPid(102));
    return b.setProcesses(1, b.getProcesses(1).toBuilder().putFds(4, 8L));
  }

  @Test
  void leasesLinuxCouldNotHoldAreRefused() {
    String at = "lease 1 (leases[0], holder pid 101): ";
    assertThat(problem(withLease(l -> l.setType(LeaseType.F_UNLCK)))).startsWith(at + "type F_UNLCK is no lease");
    assertThat(problem(withLease(l -> l.setUnlockPending(false).setDowngradePending(true)))).isNull();
    // a writer's break of a downgrade-pending lease adds unlock-pending: both flags are a kernel state
    assertThat(problem(withLease(l -> l.setDowngradePending(true)))).isNull();
    // the holder's F_SETLEASE F_RDLCK during an unlock-pending break: READ, unlock still pending
    assertThat(problem(withLease(l -> l.setType(LeaseType.F_RDLCK)))).isNull();
    assertThat(problem(withLease(l -> l.setType(LeaseType.F_RDLCK).setUnlockPending(false).setDowngradePending(true))))
        .isEqualTo(at + "downgrade_pending on an F_RDLCK lease (only an F_WRLCK lease is downgraded)");
    assertThat(problem(SEED.toBuilder().setFiles(0, SEED.getFiles(0).toBuilder()
        .setMode(io.leasecr.proto.wire.AccessMode.O_PATH)).build()))
        .isEqualTo(at + "it is on open file #7, an O_PATH description (F_SETLEASE on one is EBADF)");
    assertThat(problem(SEED.toBuilder().setFiles(0, SEED.getFiles(0).toBuilder().setNotRegular(true)).build()))
        .isEqualTo(at + "it is on open file #7 (/data/F1), which is not a regular file (F_SETLEASE is EINVAL there)");
    assertThat(problem(SEED.toBuilder().addLeases(SEED.getLeases(0)).build()))
        .isEqualTo("lease 2 (leases[1], holder pid 101): open file #7 already has lease 1 (a description holds one"
            + " lease; F_SETLEASE again modifies it)");
    // two READ leases on one file through two descriptions: what readers share
    CheckpointImage.Builder two = secondOpen(io.leasecr.proto.wire.AccessMode.O_RDONLY);
    two.setLeases(0, two.getLeases(0).toBuilder().setType(LeaseType.F_RDLCK).setUnlockPending(false)
        .setHasTypePrev(false).setBreakNotified(false).setRemainingMs(-1));
    Lease read102 = Lease.newBuilder().setFileId(8).setPid(102).setType(LeaseType.F_RDLCK).setRemainingMs(-1).build();
    assertThat(problem(two.clone().addLeases(read102).build())).isNull();
    // a WRITE lease beside another lease: never in the kernel, but a restore builds it (CRIU's F_WRLCK guess for
    // two breaking read leases), and such an image must restart again
    assertThat(problem(secondOpen(io.leasecr.proto.wire.AccessMode.O_RDONLY).addLeases(read102
        .toBuilder().setType(LeaseType.F_WRLCK).setUnlockPending(true)).build())).isNull();
  }

  @Test
  void locksThatConflictAreRefused() {
    // SEED: P1 holds F_RDLCK 0-EOF on ino 11
    PosixLock p2 = PosixLock.newBuilder().setIno(11).setPid(102).setType(LeaseType.F_RDLCK).setStart(10).setEnd(19).build();
    assertThat(problem(SEED.toBuilder().addPosixLocks(p2).build())).isNull();
    assertThat(problem(SEED.toBuilder().addPosixLocks(p2.toBuilder().setType(LeaseType.F_WRLCK)).build()))
        .isEqualTo("posix_locks[1] (pid 102): it conflicts with posix_locks[0] (pid 101) on ino 11 (10-19 and 0-EOF,"
            + " held by pid 102 and pid 101, one of them a write lock)");
    // one owner's ranges never conflict with each other
    assertThat(problem(SEED.toBuilder().addPosixLocks(p2.toBuilder().setPid(101).setType(LeaseType.F_WRLCK)).build()))
        .isNull();
    assertThat(problem(withPosix(l -> l.setType(LeaseType.F_UNLCK))))
        .isEqualTo("posix_locks[0] (pid 101): type F_UNLCK is no lock (F_SETLK F_UNLCK removes the range)");
    // an OFD write lock overlapping P1's POSIX read lock: owners differ even with the same pid
    assertThat(problem(withOfd(l -> l.setType(LeaseType.F_WRLCK).setStart(5).setEnd(5))))
        .isEqualTo("ofd_locks[0] (pid 101): it conflicts with posix_locks[0] (pid 101) on ino 11 (5-5 and 0-EOF, held"
            + " by open file #7 and pid 101, one of them a write lock)");
    CheckpointImage.Builder noPosix = SEED.toBuilder().clearPosixLocks();
    assertThat(problem(noPosix.clone().addOfdLocks(OfdLock.newBuilder().setIno(11).setFileId(7).setPid(101)
        .setType(LeaseType.F_WRLCK).setStart(0).setEnd(9)).addOfdLocks(OfdLock.newBuilder().setIno(11).setFileId(7)
        .setPid(102).setType(LeaseType.F_WRLCK).setStart(5).setEnd(-1)).build())).isNull();
    // ranges that only touch do not overlap
    assertThat(problem(SEED.toBuilder().setPosixLocks(0, SEED.getPosixLocks(0).toBuilder().setEnd(9))
        .addPosixLocks(p2.toBuilder().setType(LeaseType.F_WRLCK)).build())).isNull();
  }

  @Test
  void flockLocksLinuxCouldNotHoldAreRefused() {
    CheckpointImage.Builder b = secondOpen(io.leasecr.proto.wire.AccessMode.O_RDONLY);
    FlockLock sh101 = FlockLock.newBuilder().setIno(11).setFileId(7).setPid(101).setType(LeaseType.F_RDLCK).build();
    FlockLock sh102 = FlockLock.newBuilder().setIno(11).setFileId(8).setPid(102).setType(LeaseType.F_RDLCK).build();
    assertThat(problem(b.clone().addFlockLocks(sh101).addFlockLocks(sh102).build())).isNull();
    assertThat(problem(b.clone().addFlockLocks(sh101).addFlockLocks(sh102.toBuilder().setType(LeaseType.F_WRLCK)).build()))
        .isEqualTo("flock_locks[1] (pid 102): it conflicts with flock_locks[0] on /data/F1 (LOCK_EX is alone on its file)");
    assertThat(problem(b.clone().addFlockLocks(sh101).addFlockLocks(sh101.toBuilder().setPid(102)).build()))
        .isEqualTo("flock_locks[1] (pid 102): open file #7 already has flock_locks[0] (flock again converts the"
            + " description's lock)");
    assertThat(problem(secondOpen(io.leasecr.proto.wire.AccessMode.O_PATH).addFlockLocks(sh102).build()))
        .isEqualTo("flock_locks[0] (pid 102): it is on open file #8, an O_PATH description (flock on one is EBADF)");
  }

  private static java.util.List<String> enumFields(com.google.protobuf.Descriptors.Descriptor d) {
    return ImageCheck.enumFields(d).stream().map(com.google.protobuf.Descriptors.FieldDescriptor::getName).toList();
  }

  @Test
  void onlyFieldsThatAreOrHoldEnumsAreWalked() {
    assertThat(enumFields(CheckpointImage.getDescriptor()))
        .containsExactly("processes", "files", "leases", "posix_locks", "flock_locks", "ofd_locks");
    assertThat(enumFields(ProcessSpec.getDescriptor())).containsExactly("dispositions", "reactions");
    assertThat(enumFields(Process.getDescriptor())).containsExactly("spec", "pending", "reactions", "queued");
    assertThat(enumFields(Lease.getDescriptor())).containsExactly("type", "type_prev");
    assertThat(enumFields(PendingCall.getDescriptor())).containsExactly("call");
    assertThat(enumFields(io.leasecr.proto.wire.Signal.getDescriptor())).isEmpty();
  }

  @Test
  void unknownEnumValuesAreNamedByTheirPathWhereverTheyAre() {
    assertThat(problem(withPosix(l -> l.setTypeValue(5))))
        .isEqualTo("posix_locks[0].type = 5: not a known LeaseType value (known: [F_RDLCK, F_WRLCK, F_UNLCK])");
    assertThat(problem(withLease(l -> l.setTypePrevValue(-4)))).startsWith("leases[0].type_prev = -4: not a known");
    // inside a map's value
    assertThat(problem(withSpec(s -> s.putDispositions(10, Disposition.newBuilder().setKindValue(8).build()))))
        .isEqualTo("processes[0].spec.dispositions[0].value.kind = 8: not a known Kind value (known: [DEFAULT, IGNORE,"
            + " HANDLER])");
    // inside a singular message that is set, and in the second of a repeated field
    assertThat(problem(withProcess(1, p -> p.setPending(PendingCall.newBuilder().setCall(Syscall.newBuilder()
        .setOpen(Syscall.Open.newBuilder().setModeValue(6)))))))
        .startsWith("processes[1].pending.call.open.mode = 6: not a known AccessMode value");
    assertThat(problem(withProcess(0, p -> p.addReactions(PendingReaction.newBuilder().setReaction(
        Reaction.newBuilder().setActionValue(40))))))
        .startsWith("processes[0].reactions[1].reaction.action = 40: not a known Action value");
    // the enum check comes before every other: an image with both faults names the enum
    assertThat(problem(withPosix(l -> l.setTypeValue(5)).toBuilder().setTakenAtMs(-1).build()))
        .startsWith("posix_locks[0].type = 5");
  }
}
