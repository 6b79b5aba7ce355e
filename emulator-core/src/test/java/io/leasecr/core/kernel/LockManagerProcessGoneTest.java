package io.leasecr.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.Errno;
import io.leasecr.core.locks.FlockLocks;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.locks.Vfs;
import io.leasecr.core.process.Syscall;
import io.leasecr.core.time.EmulatorConfig;
import io.leasecr.core.trace.TraceRecorder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one "process gone" path of a cluster node's LockManager (processes reached through a directory probe,
 * their reply-to refs death-watched): a process whose actor terminates without exit(2), or whose pid shows up
 * with a new incarnation, is dropped as do_exit would drop it: its sleeping calls end, its POSIX locks go and
 * its descriptions are closed. On Linux a process killed in F_SETLKW or flock() leaves the wait queue
 * (scenarios/posix/posix-setlkw-waiter-killed.yaml, checked against the kernel by KernelConformanceTest);
 * before this path was one, a gone process's lock waiters stayed queued and were granted the lock later,
 * which nobody could then release.
 */
class LockManagerProcessGoneTest {

  private static final Vfs VFS = Vfs.builder().file("/f", 0, Inode.Kind.REGULAR, true).build();
  private static final Inode F = VFS.lookup("/f");
  private static final String DEV_INO = "00:2a:" + F.ino();
  private static final int A = 1;
  private static final int B = 2;
  private static final int C = 3;

  private ActorTestKit kit;
  private TestProbe<ProcessTable.Command> directory;
  private final TraceRecorder trace = new TraceRecorder();
  private ActorRef<LockManager.Command> locks;
  private final Map<Integer, TestProbe<ProcessActor.Command>> procs = new HashMap<>();
  private long reqIds;

  @BeforeEach
  void start() {
    kit = ActorTestKit.create("process-gone", EmulatorConfig.virtual());
    directory = kit.createTestProbe();
    locks = kit.spawn(LockManager.create(VFS, 45, true, trace, directory.getRef()));
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void aProcessGoneWhileSleepingInSetlkwIsNeverGrantedTheLock() {
    long fa = open(A);
    assertThat(setLk(A, fa, LeaseType.WRLCK, Syscall.RecordLock.Cmd.F_SETLK)).isNull();
    long fb = open(B);
    locks.tell(new LockManager.RecordLock(B, ++reqIds, F.ino(), fb, Syscall.RecordLock.Cmd.F_SETLKW,
        LeaseType.WRLCK.value, 0, 10, proc(B).getRef()));
    proc(B).expectMessageClass(ProcessActor.Blocked.class);

    gone(B); // its node was downed while it slept

    assertThat(setLk(A, fa, LeaseType.UNLCK, Syscall.RecordLock.Cmd.F_SETLK)).isNull();
    long fc = open(C);
    assertThat(setLk(C, fc, LeaseType.WRLCK, Syscall.RecordLock.Cmd.F_SETLK)).isNull(); // was EAGAIN: B got it
    assertThat(procLocks()).containsExactly("1: POSIX  ADVISORY  WRITE 3 " + DEV_INO + " 0 9");
    directory.expectNoMessage(Duration.ofMillis(100)); // no grant for B goes anywhere
  }

  @Test
  void aProcessGoneWhileSleepingInFlockIsNeverGrantedTheLock() {
    long fa = open(A);
    assertThat(flock(A, fa, FlockLocks.LOCK_EX)).isNull();
    long fb = open(B);
    locks.tell(new LockManager.Flock(B, ++reqIds, F.ino(), fb, FlockLocks.LOCK_EX, proc(B).getRef()));
    proc(B).expectMessageClass(ProcessActor.Blocked.class);

    gone(B);

    assertThat(flock(A, fa, FlockLocks.LOCK_UN)).isNull();
    long fc = open(C);
    assertThat(flock(C, fc, FlockLocks.LOCK_EX | FlockLocks.LOCK_NB)).isNull(); // was EWOULDBLOCK
    directory.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aGoneProcessLosesItsLockOnADescriptionItDidNotOpenHere() {
    long fa = open(A);
    locks.tell(new LockManager.Get(F.ino(), fa)); // fork: B inherits A's description
    assertThat(setLk(B, fa, LeaseType.WRLCK, Syscall.RecordLock.Cmd.F_SETLK)).isNull();

    gone(B);

    assertThat(procLocks()).isEmpty(); // locks_remove_posix at B's exit; A's description stays open
    assertThat(setLk(A, fa, LeaseType.RDLCK, Syscall.RecordLock.Cmd.F_SETLK)).isNull();
  }

  @Test
  void aNewIncarnationsFirstCallDropsWhatTheOldOneLeft() {
    long fa = open(A);
    assertThat(setLk(A, fa, LeaseType.WRLCK, Syscall.RecordLock.Cmd.F_SETLK)).isNull();
    long fb = open(B);
    long asleep = ++reqIds;
    locks.tell(new LockManager.RecordLock(B, asleep, F.ino(), fb, Syscall.RecordLock.Cmd.F_SETLKW,
        LeaseType.WRLCK.value, 0, 10, proc(B).getRef()));
    proc(B).expectMessageClass(ProcessActor.Blocked.class);

    // B restored elsewhere calls in before its old incarnation's death reached this table
    TestProbe<ProcessActor.Command> reborn = kit.createTestProbe();
    locks.tell(new LockManager.Open(B, ++reqIds, "/f", AccessMode.O_RDWR, false, reborn.getRef()));
    assertThat(reborn.expectMessageClass(ProcessActor.KernelReply.class).errno()).isNull();
    assertThat(notes()).anyMatch(n -> n.startsWith("pid 2: its incarnation") && n.contains("1 open descriptions closed"));

    assertThat(setLk(A, fa, LeaseType.UNLCK, Syscall.RecordLock.Cmd.F_SETLK)).isNull();
    assertThat(procLocks()).isEmpty(); // the old incarnation's F_SETLKW is not granted to the new one
    directory.expectNoMessage(Duration.ofMillis(100));
    reborn.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void anExitedProcessIsNotReportedGoneWhenItsActorStops() {
    long fa = open(A);
    locks.tell(new LockManager.Put(A, F.ino(), fa));
    locks.tell(new LockManager.ProcessExited(A));
    procLocks(); // the exit is handled before the actor stops (a termination notice would overtake messages)
    proc(A).stop();
    gone(B); // a second process's death, to know the first termination was handled too
    assertThat(notes()).noneMatch(n -> n.startsWith("pid 1 "));
  }

  // ------------------------------------------------------------------ helpers

  private TestProbe<ProcessActor.Command> proc(int pid) {
    return procs.computeIfAbsent(pid, p -> kit.createTestProbe());
  }

  private long open(int pid) {
    locks.tell(new LockManager.Open(pid, ++reqIds, "/f", AccessMode.O_RDWR, false, proc(pid).getRef()));
    ProcessActor.KernelReply r = proc(pid).expectMessageClass(ProcessActor.KernelReply.class);
    assertThat(r.errno()).isNull();
    return r.file().fileId();
  }

  private Errno setLk(int pid, long fileId, LeaseType type, Syscall.RecordLock.Cmd cmd) {
    locks.tell(new LockManager.RecordLock(pid, ++reqIds, F.ino(), fileId, cmd, type.value, 0, 10, proc(pid).getRef()));
    return proc(pid).expectMessageClass(ProcessActor.KernelReply.class).errno();
  }

  private Errno flock(int pid, long fileId, int op) {
    locks.tell(new LockManager.Flock(pid, ++reqIds, F.ino(), fileId, op, proc(pid).getRef()));
    return proc(pid).expectMessageClass(ProcessActor.KernelReply.class).errno();
  }

  /** The process's actor stops (its node was downed); returns once the table has dropped it. */
  private void gone(int pid) {
    if (!procs.containsKey(pid)) {
      open(pid); // so that the table knows and watches it
    }
    proc(pid).stop();
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (notes().stream().noneMatch(n -> n.startsWith("pid " + pid + " is gone"))) {
      assertThat(System.nanoTime()).as("pid " + pid + " dropped within 10 s").isLessThan(until);
      procLocks(); // a round trip: the termination is handled in order with the table's other messages
    }
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
}
