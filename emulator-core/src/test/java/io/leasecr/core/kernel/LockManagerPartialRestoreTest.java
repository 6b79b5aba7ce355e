package io.leasecr.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.checkpoint.ImageCodec;
import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.Errno;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.locks.PosixLock;
import io.leasecr.core.locks.SavedLocks;
import io.leasecr.core.locks.Signals;
import io.leasecr.core.locks.Vfs;
import io.leasecr.core.process.Syscall;
import io.leasecr.core.time.EmulatedScheduler;
import io.leasecr.core.time.EmulatorConfig;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceRecorder;
import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.PendingCall;
import io.leasecr.proto.wire.ProcessSpec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A partial restart on a cluster: one inode's LockManager (cluster mode, processes reached through a
 * directory probe) restores process B from an image while process A, and maybe C, use the file live.
 * The clock is virtual and stands still at 0 until a test lets it run.
 */
class LockManagerPartialRestoreTest {

  private static final Vfs VFS = Vfs.builder().file("/f", 0, Inode.Kind.REGULAR, true).build();
  private static final Inode F = VFS.lookup("/f");
  private static final String DEV_INO = "00:2a:" + F.ino();
  private static final int A = 1;
  private static final int B = 2;
  private static final int C = 3;
  /** An image's description id no live open of these tests has. */
  private static final long IMAGE_FILE = F.ino() << 24 | 100;

  private ActorTestKit kit;
  private TestProbe<ProcessTable.Command> directory;
  private final TraceRecorder trace = new TraceRecorder();
  private ActorRef<LockManager.Command> locks;
  private final Map<Integer, TestProbe<ProcessActor.Command>> procs = new HashMap<>();
  private long reqIds;

  @BeforeEach
  void start() {
    kit = ActorTestKit.create("partial-restore", EmulatorConfig.virtual());
    directory = kit.createTestProbe();
    locks = kit.spawn(LockManager.create(VFS, 45, true, trace, directory.getRef()));
  }

  @AfterEach
  void stop() {
    scheduler().setPaused(false);
    kit.shutdownTestKit();
  }

  @Test
  void aRestoredReadLeaseJoinsALiveOneAndTheLiveHolderKeepsItsDescription() {
    long fa = open(A, AccessMode.O_RDONLY);
    assertThat(setLease(A, fa, LeaseType.RDLCK)).isNull();
    long fb = open(B, AccessMode.O_RDONLY);
    assertThat(setLease(B, fb, LeaseType.RDLCK)).isNull();
    CheckpointImage image = save().addProcesses(process(B, Map.of(3, fb))).build();

    // B's node went down unnoticed: its previous incarnation's entries give way to the image's
    restore(image, B);

    assertThat(procLocks()).containsExactly(
        "1: LEASE  ACTIVE    READ 1 " + DEV_INO + " 0 EOF",
        "2: LEASE  ACTIVE    READ 2 " + DEV_INO + " 0 EOF");
    assertThat(getLease(A, fa)).isEqualTo(LeaseType.RDLCK.value);
    assertThat(getLease(B, fb)).isEqualTo(LeaseType.RDLCK.value);
    assertThat(notes()).noneMatch(n -> n.contains("refused"));
  }

  @Test
  void aLiveBreakKeepsItsDeadlineAndTimerThroughTheRestore() throws InterruptedException {
    long fa = open(A, AccessMode.O_RDONLY);
    assertThat(setLease(A, fa, LeaseType.RDLCK)).isNull();
    long writer = openBlocked(C, AccessMode.O_WRONLY); // breaks A's lease: deadline at 45 s
    expectSigio(A);

    restore(image(List.of(file(IMAGE_FILE, AccessMode.O_RDONLY)), List.of(), List.of(),
        process(B, Map.of(3, IMAGE_FILE))), B);

    assertThat(procLocks()).containsExactly(
        "1: LEASE  BREAKING  UNLCK 1 " + DEV_INO + " 0 EOF",
        "1: -> LEASE  BREAKER   WRITE 3 <none>:0 0 EOF");
    runToIdle();
    ProcessTable.Deliver woken = directory.expectMessageClass(ProcessTable.Deliver.class);
    assertThat(woken.pid()).isEqualTo(C);
    assertThat(((ProcessActor.KernelReply) woken.command()).reqId()).isEqualTo(writer);
    assertThat(trace.events()).anyMatch(e -> e.kind().equals("lease") && e.pid() == A && e.t() == 45_000
        && "deadline: removed".equals(e.arg("change")));
  }

  @Test
  void aRestoredReadLeaseIsRefusedWhileALiveProcessHasTheFileOpenForWriting() {
    long fa = open(A, AccessMode.O_WRONLY);

    restore(image(List.of(file(IMAGE_FILE, AccessMode.O_RDONLY)), List.of(lease(B, LeaseType.RDLCK)), List.of(),
        process(B, Map.of(3, IMAGE_FILE))), B);

    assertThat(procLocks()).isEmpty();
    assertThat(getLease(B, IMAGE_FILE)).isEqualTo(LeaseType.UNLCK.value); // the open came back, not the lease
    assertThat(notes()).anyMatch(n -> n.contains("pid 2") && n.contains("/f") && n.contains("EAGAIN")
        && n.contains("open for writing"));
    assertThat(lock(A, fa, LeaseType.WRLCK, 0, 0)).isNull(); // A's description is still there
  }

  @Test
  void aRestoredReadLeaseIsRefusedBesideALiveWriteLease() {
    long fa = open(A, AccessMode.O_RDONLY);
    assertThat(setLease(A, fa, LeaseType.WRLCK)).isNull();

    restore(image(List.of(file(IMAGE_FILE, AccessMode.O_RDONLY)), List.of(lease(B, LeaseType.RDLCK)), List.of(),
        process(B, Map.of(3, IMAGE_FILE))), B);

    assertThat(procLocks()).containsExactly("1: LEASE  ACTIVE    WRITE 1 " + DEV_INO + " 0 EOF");
    assertThat(notes()).anyMatch(n -> n.contains("pid 2") && n.contains("/f") && n.contains("EAGAIN")
        && n.contains("pid 1"));
  }

  @Test
  void aRestoredPosixLockIsGrantedOnlyWhereNoLiveLockConflicts() {
    long fa = open(A, AccessMode.O_RDWR);
    assertThat(lock(A, fa, LeaseType.WRLCK, 0, 100)).isNull();

    restore(image(List.of(file(IMAGE_FILE, AccessMode.O_RDWR)), List.of(),
        List.of(new SavedLocks.Posix(F.ino(), new PosixLock(B, LeaseType.WRLCK, 50, 149)),
            new SavedLocks.Posix(F.ino(), new PosixLock(B, LeaseType.RDLCK, 500, 599))),
        process(B, Map.of(3, IMAGE_FILE))), B);

    assertThat(procLocks()).containsExactly(
        "1: POSIX  ADVISORY  WRITE 1 " + DEV_INO + " 0 99",
        "2: POSIX  ADVISORY  READ 2 " + DEV_INO + " 500 599");
    assertThat(notes()).anyMatch(n -> n.contains("pid 2") && n.contains("/f") && n.contains("EAGAIN")
        && n.contains("[50, 149]"));
  }

  @Test
  void aRestoredBreakerRetriesAgainstTheLiveLeaseAndItsOldWaitIsAbandoned() throws InterruptedException {
    long fa = open(A, AccessMode.O_RDONLY);
    assertThat(setLease(A, fa, LeaseType.RDLCK)).isNull();
    openBlocked(B, AccessMode.O_WRONLY); // B's previous incarnation, blocked when its node went down
    expectSigio(A);
    io.leasecr.proto.image.Process blockedInOpen = process(B, Map.of()).toBuilder()
        .setPending(PendingCall.newBuilder().setBlocked(true).setCall(io.leasecr.proto.wire.Syscall.newBuilder()
            .setOpen(io.leasecr.proto.wire.Syscall.Open.newBuilder().setPath("/f")
                .setMode(io.leasecr.proto.wire.AccessMode.O_WRONLY))))
        .build();

    restore(image(List.of(), List.of(), List.of(), blockedInOpen), B);
    assertThat(procLocks()).containsExactly("1: LEASE  BREAKING  UNLCK 1 " + DEV_INO + " 0 EOF");

    // the restored B retries its open (-ERESTARTSYS): it joins the live break, whose deadline stays
    long retried = openBlocked(B, AccessMode.O_WRONLY);
    assertThat(procLocks()).containsExactly(
        "1: LEASE  BREAKING  UNLCK 1 " + DEV_INO + " 0 EOF",
        "1: -> LEASE  BREAKER   WRITE 2 <none>:0 0 EOF");
    runToIdle();
    ProcessTable.Deliver woken = directory.expectMessageClass(ProcessTable.Deliver.class);
    assertThat(woken.pid()).isEqualTo(B);
    assertThat(((ProcessActor.KernelReply) woken.command()).reqId()).isEqualTo(retried);
    assertThat(scheduler().nowMillis()).isEqualTo(45_000);
    directory.expectNoMessage();
  }

  // ------------------------------------------------------------------ syscalls as the processes make them

  private TestProbe<ProcessActor.Command> proc(int pid) {
    return procs.computeIfAbsent(pid, p -> kit.createTestProbe());
  }

  /** open(2) that returns at once: the description's id. */
  private long open(int pid, AccessMode mode) {
    locks.tell(new LockManager.Open(pid, ++reqIds, "/f", mode, false, proc(pid).getRef()));
    ProcessActor.KernelReply r = proc(pid).expectMessageClass(ProcessActor.KernelReply.class);
    assertThat(r.errno()).isNull();
    return r.file().fileId();
  }

  /** open(2) that sleeps in __break_lease: its request id. */
  private long openBlocked(int pid, AccessMode mode) {
    long req = ++reqIds;
    locks.tell(new LockManager.Open(pid, req, "/f", mode, false, proc(pid).getRef()));
    assertThat(proc(pid).expectMessageClass(ProcessActor.Blocked.class).reqId()).isEqualTo(req);
    return req;
  }

  private Errno setLease(int pid, long fileId, LeaseType type) {
    locks.tell(new LockManager.SetLease(pid, ++reqIds, 3, F.ino(), fileId, type.value, 0, true, proc(pid).getRef()));
    return proc(pid).expectMessageClass(ProcessActor.KernelReply.class).errno();
  }

  /** F_GETLEASE: the type's value, or -1 with an errno. */
  private long getLease(int pid, long fileId) {
    locks.tell(new LockManager.GetLease(pid, ++reqIds, F.ino(), fileId, proc(pid).getRef()));
    return proc(pid).expectMessageClass(ProcessActor.KernelReply.class).result();
  }

  private Errno lock(int pid, long fileId, LeaseType type, long start, long len) {
    locks.tell(new LockManager.RecordLock(pid, ++reqIds, F.ino(), fileId, Syscall.RecordLock.Cmd.F_SETLK,
        type.value, start, len, proc(pid).getRef()));
    return proc(pid).expectMessageClass(ProcessActor.KernelReply.class).errno();
  }

  private void expectSigio(int pid) {
    directory.expectMessage(new ProcessTable.Deliver(pid, new ProcessActor.Signal(Signals.SIGIO, Signals.SI_KERNEL, -1)));
  }

  private List<String> procLocks() {
    TestProbe<LockManager.LocksReport> report = kit.createTestProbe();
    locks.tell(new LockManager.ShowLocks(report.getRef()));
    return report.receiveMessage().lines();
  }

  private List<String> notes() {
    return trace.events().stream().filter(e -> e.kind().equals("note") && e.proc().equals("kernel"))
        .map(e -> String.valueOf(e.arg("text"))).toList();
  }

  // ------------------------------------------------------------------ checkpoint and restart

  /** The table now, as a checkpoint saves it. */
  private CheckpointImage.Builder save() {
    TestProbe<LockManager.LocksSaved> saved = kit.createTestProbe();
    locks.tell(new LockManager.Save(saved.getRef()));
    return saved.receiveMessage().part().toBuilder().setMagic(ImageCodec.MAGIC).setId("C1");
  }

  /** What ClusterTree sends an inode: the restored processes' files, leases and locks. */
  private static CheckpointImage image(List<SavedLocks.File> files, List<SavedLocks.Saved> leases,
      List<SavedLocks.Posix> posix, io.leasecr.proto.image.Process... processes) {
    return ImageCodec.locks(new SavedLocks(45, true, files, leases, posix)).setMagic(ImageCodec.MAGIC).setId("C1")
        .addAllProcesses(Arrays.asList(processes)).build();
  }

  private static SavedLocks.File file(long id, AccessMode mode) {
    return new SavedLocks.File(id, F, mode, false, 0, 0, -1);
  }

  /** A lease of the image, not being broken. */
  private static SavedLocks.Saved lease(int pid, LeaseType type) {
    return new SavedLocks.Saved(IMAGE_FILE, pid, type, false, false, null, false, -1);
  }

  private static io.leasecr.proto.image.Process process(int pid, Map<Integer, Long> fds) {
    return io.leasecr.proto.image.Process.newBuilder()
        .setSpec(ProcessSpec.newBuilder().setPid(pid).setName("P" + pid)).putAllFds(fds).build();
  }

  /** ClusterTree's restore of {@code pids} on this inode. */
  private void restore(CheckpointImage image, Integer... pids) {
    locks.tell(new LockManager.Restore(image, List.of(pids), "remaining", false));
  }

  private EmulatedScheduler scheduler() {
    return (EmulatedScheduler) kit.system().classicSystem().scheduler();
  }

  /** Lets virtual time run until nothing is left to do. */
  private void runToIdle() throws InterruptedException {
    scheduler().setPaused(false);
    assertThat(scheduler().awaitIdle(10, TimeUnit.SECONDS)).isTrue();
  }
}
