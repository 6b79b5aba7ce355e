package io.leasecr.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.Credentials;
import io.leasecr.core.locks.Errno;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.locks.Vfs;
import io.leasecr.core.process.ProcessSpec;
import io.leasecr.core.process.Syscall;
import io.leasecr.core.trace.TraceRecorder;
import io.leasecr.core.trace.TraceSink;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request, or its immediate answer, lost in a cut (issue 12): on a cluster the process sends the same
 * request again (same request id) while no answer comes, and the lease table answers a copy of a request it
 * has already answered with that answer, never applying it twice.
 */
class LockManagerRetryTest {

  private static final Vfs VFS = Vfs.builder().file("/f", 0, Inode.Kind.REGULAR, true).build();
  private static final Inode F = VFS.lookup("/f");

  private ActorTestKit kit;

  private void start(String config) {
    kit = ActorTestKit.create("retry", ConfigFactory.parseString("lease-cr.time.clock = wall\n" + config)
        .withFallback(ConfigFactory.load()));
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  private List<String> notes(TraceRecorder trace) {
    return trace.events().stream().filter(e -> e.kind().equals("note")).map(e -> (String) e.arg("text")).toList();
  }

  @Test
  void anOpenSentAgainAfterItsAnswerWasLostIsAnsweredAgainAndNotAppliedTwice() {
    start("");
    TraceRecorder trace = new TraceRecorder();
    TestProbe<ProcessTable.Command> directory = kit.createTestProbe();
    ActorRef<LockManager.Command> locks = kit.spawn(LockManager.create(VFS, 1, true, trace, directory.getRef()));
    TestProbe<ProcessActor.Command> p = kit.createTestProbe();
    LockManager.Open open = new LockManager.Open(1, 1, "/f", AccessMode.O_RDONLY, false, p.getRef());
    locks.tell(open);
    ProcessActor.KernelReply first = p.expectMessageClass(ProcessActor.KernelReply.class); // lost on the way
    locks.tell(open); // the process heard nothing and sends the same request
    ProcessActor.KernelReply again = p.expectMessageClass(ProcessActor.KernelReply.class);
    assertThat(again).isEqualTo(first);
    assertThat(notes(trace)).anyMatch(t -> t.startsWith("pid 1 sent its open(/f) again (request 1): answered ")
        && t.endsWith("the same answer sent again, not applied twice"));
    // one description, not two: a write lease needs the caller's to be the only one open
    locks.tell(new LockManager.SetLease(1, 2, 3, F.ino(), first.file().fileId(), LeaseType.WRLCK.value, 0, true,
        p.getRef()));
    ProcessActor.KernelReply lease = p.expectMessageClass(ProcessActor.KernelReply.class);
    assertThat(lease.errno()).isNull();
    assertThat(lease.result()).isZero();
    // and the lease request's copy is answered as the lease was, not taken again (nor refused by itself)
    locks.tell(new LockManager.SetLease(1, 2, 3, F.ino(), first.file().fileId(), LeaseType.WRLCK.value, 0, true,
        p.getRef()));
    assertThat(p.expectMessageClass(ProcessActor.KernelReply.class)).isEqualTo(lease);
    TestProbe<LockManager.LocksReport> report = kit.createTestProbe();
    locks.tell(new LockManager.ShowLocks(report.getRef()));
    assertThat(report.expectMessageClass(LockManager.LocksReport.class).lines()).hasSize(1);
  }

  @Test
  void aSleepingRequestSentAgainSleepsOnceAndACopyAfterTheWakeUpGetsTheWakeUp() {
    start("");
    TraceRecorder trace = new TraceRecorder();
    TestProbe<ProcessTable.Command> directory = kit.createTestProbe();
    ActorRef<LockManager.Command> locks = kit.spawn(LockManager.create(VFS, 1, true, trace, directory.getRef()));
    TestProbe<ProcessActor.Command> holder = kit.createTestProbe();
    TestProbe<ProcessActor.Command> opener = kit.createTestProbe();
    locks.tell(new LockManager.Open(1, 1, "/f", AccessMode.O_RDONLY, false, holder.getRef()));
    long fileId = holder.expectMessageClass(ProcessActor.KernelReply.class).file().fileId();
    locks.tell(new LockManager.SetLease(1, 2, 3, F.ino(), fileId, LeaseType.WRLCK.value, 0, true, holder.getRef()));
    holder.expectMessageClass(ProcessActor.KernelReply.class);
    LockManager.Open open = new LockManager.Open(2, 1, "/f", AccessMode.O_WRONLY, false, opener.getRef());
    locks.tell(open);
    opener.expectMessageClass(ProcessActor.Blocked.class); // lost on the way
    directory.expectMessageClass(ProcessTable.Deliver.class); // SIGIO to the holder
    locks.tell(open);
    opener.expectMessageClass(ProcessActor.Blocked.class); // asleep, still: said again
    directory.expectNoMessage(Duration.ofMillis(100)); // no second break, no second signal
    // the break ends after 1 s: one wake-up, for the one sleeper
    ProcessTable.Deliver wake = directory.expectMessageClass(ProcessTable.Deliver.class, Duration.ofSeconds(3));
    ProcessActor.KernelReply woken = (ProcessActor.KernelReply) wake.command();
    assertThat(woken.reqId()).isEqualTo(1);
    directory.expectNoMessage(Duration.ofMillis(200));
    // a copy that was on its way all along (or sent again) now gets the wake-up itself
    locks.tell(open);
    assertThat(opener.expectMessageClass(ProcessActor.KernelReply.class)).isEqualTo(woken);
    TestProbe<LockManager.LocksReport> report = kit.createTestProbe();
    locks.tell(new LockManager.ShowLocks(report.getRef()));
    assertThat(report.expectMessageClass(LockManager.LocksReport.class).lines()).isEmpty();
  }

  @Test
  void aRequestOfAnotherIncarnationOfThePidIsNewAndAStaleCopyIsDropped() {
    start("");
    TraceRecorder trace = new TraceRecorder();
    TestProbe<ProcessTable.Command> directory = kit.createTestProbe();
    ActorRef<LockManager.Command> locks = kit.spawn(LockManager.create(VFS, 1, true, trace, directory.getRef()));
    TestProbe<ProcessActor.Command> p = kit.createTestProbe();
    for (long req = 1; req <= Answers.KEEP + 1; req++) {
      locks.tell(new LockManager.GetLease(1, req, F.ino(), 99, p.getRef()));
      assertThat(p.expectMessageClass(ProcessActor.KernelReply.class).errno()).isEqualTo(Errno.EBADF);
    }
    locks.tell(new LockManager.GetLease(1, 1, F.ino(), 99, p.getRef())); // older than every answer kept
    p.expectNoMessage(Duration.ofMillis(200));
    assertThat(notes(trace)).contains("pid 1 sent an old request again (F_GETLEASE, request 1): answered long ago, "
        + "dropped");
    // a restored incarnation counts its requests from 1 again: its request 1 is new
    TestProbe<ProcessActor.Command> restored = kit.createTestProbe();
    locks.tell(new LockManager.Open(1, 1, "/f", AccessMode.O_RDONLY, false, restored.getRef()));
    assertThat(restored.expectMessageClass(ProcessActor.KernelReply.class).file()).isNotNull();
  }

  /** A process whose kernel is a probe: what it sends is seen, nothing is answered unless the test says so. */
  private ActorRef<ProcessActor.Command> process(TestProbe<LockManager.Command> kernel) {
    ProcessSpec spec = new ProcessSpec(7, 1, "P7", Credentials.ROOT, Map.of(), List.of(), 1);
    TestProbe<ProcessTable.Command> table = kit.createTestProbe();
    return kit.spawn(ProcessActor.create(spec, new TreeMap<>(), new TreeSet<>(),
        new ProcessActor.Kernel(kernel.getRef(), table.getRef(), TraceSink.NONE)));
  }

  @Test
  void anUnansweredRequestIsSentAgainWithTheSameIdUntilAnAnswerComes() {
    start("lease-cr.process.recheck-blocked = 150ms");
    TestProbe<LockManager.Command> kernel = kit.createTestProbe();
    ActorRef<ProcessActor.Command> p = process(kernel);
    p.tell(new ProcessActor.Run(new Syscall.Open("/f", AccessMode.O_RDONLY, false, false), 3, null));
    LockManager.Open o = kernel.expectMessageClass(LockManager.Open.class); // lost in a cut
    for (int i = 0; i < 2; i++) {
      assertThat(kernel.expectMessageClass(LockManager.Open.class, Duration.ofSeconds(2))).isEqualTo(o);
    }
    p.tell(new ProcessActor.KernelReply(o.reqId(), 0, null, new io.leasecr.core.process.Fd(F.ino(), 5, "/f",
        AccessMode.O_RDONLY, false)));
    for (int late = 0; late < 2; late++) { // a copy sent just before the answer landed may still arrive
      try {
        kernel.expectMessageClass(LockManager.Open.class, Duration.ofMillis(100));
      } catch (AssertionError none) {
        break;
      }
    }
    kernel.expectNoMessage(Duration.ofMillis(500)); // answered: no more copies
  }

  @Test
  void onASingleNodeARequestIsSentOnce() {
    start(""); // the default: 0s
    TestProbe<LockManager.Command> kernel = kit.createTestProbe();
    ActorRef<ProcessActor.Command> p = process(kernel);
    p.tell(new ProcessActor.Run(new Syscall.Open("/f", AccessMode.O_RDONLY, false, false), 3, null));
    kernel.expectMessageClass(LockManager.Open.class);
    kernel.expectNoMessage(Duration.ofMillis(600));
  }
}
