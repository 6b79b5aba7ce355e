package io.leasecr.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.NodeIncarnation;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.locks.Vfs;
import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.kernel.ProcessActor;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceRecorder;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fencing without a cluster: a lease table and a process entity behind their {@link Fence}, fed commands
 * stamped with node incarnations, some of which the {@link FenceBook} has seen downed. The paused holder's
 * release (F_UNLCK from pid 101 on n2, downed meanwhile) must not change the table, and must be traced.
 */
class FenceTest {

  private static final Vfs VFS = Vfs.builder().file("/data/F1", 0, Inode.Kind.REGULAR, true).build();
  private static final Inode F1 = VFS.lookup("/data/F1");
  private static final NodeIncarnation N2 = new NodeIncarnation("n2", "pekko://lease-cr@127.0.0.1:32002", 77L);
  private static final NodeIncarnation N2_AGAIN = new NodeIncarnation("n2", "pekko://lease-cr@127.0.0.1:32002", 78L);
  private static final NodeIncarnation N3 = new NodeIncarnation("n3", "pekko://lease-cr@127.0.0.1:32003", 99L);

  private ActorTestKit kit;
  private FenceBook book;
  private TraceRecorder trace;
  private ActorRef<LockManager.Command> locks;
  private TestProbe<ProcessActor.Command> holder;
  private long reqIds;

  @BeforeEach
  void start() {
    kit = ActorTestKit.create("fence", ConfigFactory.parseString("lease-cr.time.clock = wall")
        .withFallback(ConfigFactory.load()));
    book = new FenceBook();
    book.seen(N2.address(), N2.uid());
    book.seen(N3.address(), N3.uid());
    trace = new TraceRecorder();
    TestProbe<ProcessTable.Command> directory = kit.createTestProbe();
    locks = kit.spawn(Fence.locks(LockManager.create(VFS, 45, true, trace, directory.getRef()), book, trace, "n1"));
    holder = kit.createTestProbe();
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  /** pid 101 on n2 opens /data/F1 and takes a read lease; returns the description's id. */
  private long holderTakesALease() {
    locks.tell(new LockManager.FromNode(N2, new LockManager.Open(101, ++reqIds, "/data/F1", AccessMode.O_RDONLY,
        false, holder.getRef())));
    long fileId = holder.expectMessageClass(ProcessActor.KernelReply.class).file().fileId();
    locks.tell(new LockManager.FromNode(N2, new LockManager.SetLease(101, ++reqIds, 3, F1.ino(), fileId,
        LeaseType.RDLCK.value, 0, true, holder.getRef())));
    assertThat(holder.expectMessageClass(ProcessActor.KernelReply.class).result()).isZero();
    return fileId;
  }

  private List<String> procLocks() {
    TestProbe<LockManager.LocksReport> p = kit.createTestProbe();
    locks.tell(new LockManager.ShowLocks(p.getRef()));
    return p.expectMessageClass(LockManager.LocksReport.class).lines();
  }

  private List<String> notes() {
    return trace.events().stream().filter(e -> e.kind().equals("note")).map(e -> (String) e.arg("text")).toList();
  }

  @Test
  void aDownedIncarnationsReleaseIsRefusedAndTraced() {
    long fileId = holderTakesALease();
    assertThat(procLocks()).singleElement().asString().contains("LEASE", "READ", "101");
    book.downed(N2.address(), N2.uid(), 9_100);
    assertThat(book.refusal(N3, 9_700)).as("n3 is up").isNull();
    // the paused node resumes: its release timer fires, F_UNLCK and a close reach the table
    locks.tell(new LockManager.FromNode(N2, new LockManager.SetLease(101, ++reqIds, 3, F1.ino(), fileId,
        LeaseType.UNLCK.value, 0, true, holder.getRef())));
    locks.tell(new LockManager.FromNode(N2, new LockManager.Put(101, F1.ino(), fileId)));
    holder.expectNoMessage(Duration.ofMillis(200)); // refused without an answer
    assertThat(procLocks()).as("the lease is still held").singleElement().asString().contains("LEASE", "READ", "101");
    assertThat(notes()).hasSize(2);
    assertThat(notes().get(0)).matches("fenced: F_UNLCK from pid 101 on n2 \\(incarnation 1, downed \\d+\\.\\d s before\\)");
    assertThat(notes().get(1)).matches("fenced: close of description " + fileId
        + " from pid 101 on n2 \\(incarnation 1, downed \\d+\\.\\d s before\\)");
    assertThat(book.refusal(N2, 9_700)).isEqualTo("incarnation 1, downed 0.6 s before");
    TraceEvent e = trace.events().get(trace.events().size() - 1);
    assertThat(e.pid()).isEqualTo(101);
    assertThat(e.arg("node")).isEqualTo("n1");
  }

  @Test
  void liveIncarnationsAndTheDriverPass() {
    long fileId = holderTakesALease();
    book.downed(N3.address(), N3.uid(), 5_000); // another node downed: n2 is unaffected
    locks.tell(new LockManager.FromNode(N2, new LockManager.SetLease(101, ++reqIds, 3, F1.ino(), fileId,
        LeaseType.UNLCK.value, 0, true, holder.getRef())));
    assertThat(holder.expectMessageClass(ProcessActor.KernelReply.class).result()).isZero();
    assertThat(procLocks()).isEmpty();
    assertThat(notes()).isEmpty();
  }

  @Test
  void anIncarnationSupersededByARestartOnTheSameAddressIsRefused() {
    long fileId = holderTakesALease();
    book.seen(N2_AGAIN.address(), N2_AGAIN.uid());
    locks.tell(new LockManager.FromNode(N2, new LockManager.Put(101, F1.ino(), fileId)));
    assertThat(procLocks()).hasSize(1);
    assertThat(notes()).containsExactly("fenced: close of description " + fileId
        + " from pid 101 on n2 (incarnation 1, superseded by incarnation 2)");
  }

  @Test
  void aProcessEntityRefusesADownedNodesSignalsAndForks() {
    TestProbe<ProcessTable.Command> entity = kit.createTestProbe();
    ActorRef<ProcessTable.Command> fenced = kit.spawn(Fence.processes(Behaviors.monitor(ProcessTable.Command.class,
        entity.getRef(), Behaviors.ignore()), book, trace, "n3"));
    ProcessTable.Deliver signal = new ProcessTable.Deliver(102, new ProcessActor.Signal(29, 0, 3));
    fenced.tell(new ProcessTable.FromNode(N2, signal));
    assertThat(entity.expectMessageClass(ProcessTable.Deliver.class)).as("unwrapped while n2 is up").isEqualTo(signal);
    book.downed(N2.address(), N2.uid(), 7_300);
    fenced.tell(new ProcessTable.FromNode(N2, signal));
    fenced.tell(new ProcessTable.FromNode(N2, new ProcessTable.Exited(102)));
    fenced.tell(new ProcessTable.Exited(103)); // unstamped (the driver): passes
    assertThat(entity.expectMessageClass(ProcessTable.Exited.class).pid()).isEqualTo(103);
    entity.expectNoMessage(Duration.ofMillis(100));
    assertThat(notes()).hasSize(2);
    assertThat(notes().get(0)).startsWith("fenced: SIGIO delivery for pid 102 on n2 (incarnation 1, downed ");
    assertThat(notes().get(1)).startsWith("fenced: exit for pid 102 on n2 (incarnation 1, downed ");
  }

  /** A cluster view the test sets: which senders are unreachable, which are cleared. */
  private static final class View implements Clearance {
    final java.util.Set<Long> unreachable = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final java.util.Set<Long> cleared = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public boolean unreachable(NodeIncarnation origin) {
      return unreachable.contains(origin.uid());
    }

    @Override
    public boolean clear(NodeIncarnation origin) {
      return cleared.contains(origin.uid());
    }
  }

  /** The table of the other tests, behind a fence that asks {@code view}; the holder has a read lease. */
  private long heldTable(View view) {
    locks = kit.spawn(Fence.locks(LockManager.create(VFS, 45, true, trace, kit.<ProcessTable.Command>createTestProbe()
        .getRef()), book, view, trace, "n1"));
    return holderTakesALease();
  }

  @Test
  void aReleaseFromAnUnreachableSenderIsHeldAndRefusedWhenTheDowningArrivesByGossip() {
    View view = new View();
    long fileId = heldTable(view);
    // n2 was paused: the others see it unreachable; the leader downs it, n1 has not heard yet
    view.unreachable.add(N2.uid());
    locks.tell(new LockManager.FromNode(N2, new LockManager.SetLease(101, ++reqIds, 3, F1.ino(), fileId,
        LeaseType.UNLCK.value, 0, true, holder.getRef())));
    locks.tell(new LockManager.FromNode(N2, new LockManager.Put(101, F1.ino(), fileId)));
    holder.expectNoMessage(Duration.ofMillis(300));
    assertThat(procLocks()).as("held, not applied").singleElement().asString().contains("LEASE", "READ", "101");
    assertThat(notes()).singleElement().asString().startsWith("held: F_UNLCK from pid 101 on n2 (n2 is unreachable "
        + "from n1: applied once it is reachable again and every member has seen that, refused if the cluster");
    assertThat(book.suspect(N2.uid())).isTrue();
    book.downed(N2.address(), N2.uid(), 10_400); // the downing's gossip reaches n1
    holder.expectNoMessage(Duration.ofMillis(400));
    assertThat(procLocks()).as("refused: the lease stays until the cluster drops pid 101").singleElement().asString()
        .contains("LEASE", "READ", "101");
    assertThat(notes()).hasSize(3);
    assertThat(notes().get(1)).matches("fenced: F_UNLCK from pid 101 on n2 \\(incarnation 1, downed \\d+\\.\\d s "
        + "before, held \\d+\\.\\d s while unreachable\\)");
    assertThat(notes().get(2)).startsWith("fenced: close of description " + fileId + " from pid 101 on n2");
  }

  @Test
  void heldCommandsAreAppliedInTheirOrderOnceTheSenderIsClearedAndOthersPassMeanwhile() {
    View view = new View();
    long fileId = heldTable(view);
    view.unreachable.add(N2.uid());
    locks.tell(new LockManager.FromNode(N2, new LockManager.SetLease(101, ++reqIds, 3, F1.ino(), fileId,
        LeaseType.UNLCK.value, 0, true, holder.getRef())));
    long unlock = reqIds;
    holder.expectNoMessage(Duration.ofMillis(200));
    view.unreachable.remove(N2.uid()); // reachable again in n1's view, but not everyone has seen it so yet
    locks.tell(new LockManager.FromNode(N2, new LockManager.Open(101, ++reqIds, "/data/F1", AccessMode.O_RDONLY,
        false, holder.getRef()))); // behind the F_UNLCK, though n2 is no longer unreachable here
    long reopen = reqIds;
    TestProbe<ProcessActor.Command> reader = kit.createTestProbe();
    locks.tell(new LockManager.FromNode(N3, new LockManager.Open(103, 1, "/data/F1", AccessMode.O_RDONLY, false,
        reader.getRef())));
    assertThat(reader.expectMessageClass(ProcessActor.KernelReply.class).result()).as("n3 is not held").isZero();
    holder.expectNoMessage(Duration.ofMillis(300));
    view.cleared.add(N2.uid()); // every member has seen n2 up and reachable: no downing can be on its way
    ProcessActor.KernelReply first = holder.expectMessageClass(ProcessActor.KernelReply.class);
    ProcessActor.KernelReply second = holder.expectMessageClass(ProcessActor.KernelReply.class);
    assertThat(List.of(first.reqId(), second.reqId())).containsExactly(unlock, reopen);
    assertThat(first.result()).isZero();
    assertThat(second.file()).isNotNull();
    assertThat(procLocks()).as("the lease went with the F_UNLCK").isEmpty();
    assertThat(notes()).hasSize(3);
    assertThat(notes().get(1)).matches("applied after a hold of \\d+\\.\\d s: F_UNLCK from pid 101 on n2 \\(n2 is "
        + "reachable again and every member has seen it so\\)");
    assertThat(notes().get(2)).startsWith("applied after a hold of ").contains("open(/data/F1) from pid 101 on n2");
    assertThat(book.suspect(N2.uid())).isFalse();
    // cleared: the next command passes at once, without a note
    locks.tell(new LockManager.FromNode(N2, new LockManager.Put(101, F1.ino(), second.file().fileId())));
    assertThat(procLocks()).isEmpty();
    assertThat(notes()).hasSize(3);
  }

  @Test
  void aSenderSeenUnreachableButClearedAgainBeforeItSpeaksIsNotHeld() {
    View view = new View();
    long fileId = heldTable(view);
    book.suspected(N2.uid());
    view.cleared.add(N2.uid());
    locks.tell(new LockManager.FromNode(N2, new LockManager.SetLease(101, ++reqIds, 3, F1.ino(), fileId,
        LeaseType.UNLCK.value, 0, true, holder.getRef())));
    assertThat(holder.expectMessageClass(ProcessActor.KernelReply.class).result()).isZero();
    assertThat(notes()).isEmpty();
    assertThat(book.suspect(N2.uid())).isFalse();
  }

  @Test
  void stampedCommandsCrossNodesWhole() throws Exception {
    org.apache.pekko.serialization.Serialization ser =
        org.apache.pekko.serialization.SerializationExtension.get(kit.system().classicSystem());
    for (Object m : List.of(
        new LockManager.FromNode(N2, new LockManager.SetLease(101, 7, 3, F1.ino(), 5, LeaseType.UNLCK.value, 0, true,
            holder.getRef())),
        new LockManager.FromNode(N2, new LockManager.Put(101, F1.ino(), 5)),
        new LockManager.FromNode(N3, new LockManager.Recheck(102, 9, "/data/F1", 0, holder.getRef())),
        new LockManager.FromNode(N3, new LockManager.Recheck(102, 10, null, F1.ino(), holder.getRef())),
        new LockManager.FromNode(N3, new LockManager.Reenter(102, 11, "/data/F1")),
        new LockManager.FromNode(N2, new LockManager.Close(101, 12, F1.ino(), 5, holder.getRef())),
        new ProcessTable.FromNode(N3, new ProcessTable.Deliver(102, new ProcessActor.Signal(29, 0, 3))))) {
      org.apache.pekko.serialization.Serializer s = ser.findSerializerFor(m);
      assertThat(s).isInstanceOf(io.leasecr.core.wire.WireSerializer.class);
      String manifest = org.apache.pekko.serialization.Serializers.manifestFor(s, m);
      assertThat(ser.deserialize(s.toBinary(m), s.identifier(), manifest).get()).isEqualTo(m);
    }
  }
}
