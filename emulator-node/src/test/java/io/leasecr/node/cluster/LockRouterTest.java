package io.leasecr.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.NodeIncarnation;
import io.leasecr.core.kernel.ProcessActor;
import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.locks.Vfs;
import io.leasecr.core.process.Syscall;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every lease-table command a process sends reaches its inode's table, stamped with the sending node. */
class LockRouterTest {

  private static final Vfs VFS = Vfs.builder().file("/data/F1", 0, Inode.Kind.REGULAR, true)
      .file("/data/F2", 0, Inode.Kind.REGULAR, true).build();
  private static final Inode F2 = VFS.lookup("/data/F2");
  private static final NodeIncarnation SELF = new NodeIncarnation("n1", "pekko://lease-cr@127.0.0.1:32001", 5L);

  private ActorTestKit kit;
  private TestProbe<ShardingEnvelope<LockManager.Command>> region;
  private TestProbe<ProcessActor.Command> process;
  private ActorRef<LockManager.Command> router;

  @BeforeEach
  void start() {
    kit = ActorTestKit.create("router", ConfigFactory.parseString("lease-cr.time.clock = wall")
        .withFallback(ConfigFactory.load()));
    region = kit.createTestProbe();
    process = kit.createTestProbe();
    router = kit.spawn(LockRouter.create(VFS, region.getRef(), SELF));
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void everyCallOfAProcessGoesToItsInodesTable() {
    ActorRef<ProcessActor.Command> p = process.getRef();
    long ino = F2.ino();
    List<LockManager.Command> calls = List.of(
        new LockManager.Open(101, 1, "/data/F2", AccessMode.O_RDONLY, false, p),
        new LockManager.Truncate(101, 2, "/data/F2", p),
        new LockManager.Interrupt(101, 3, "/data/F2", p),
        new LockManager.Reenter(101, 4, "/data/F2"),
        new LockManager.Recheck(101, 5, "/data/F2", 0, p),
        new LockManager.Recheck(101, 6, null, ino, p),
        new LockManager.SetLease(101, 7, 3, ino, 1, 0, 0, true, p),
        new LockManager.GetLease(101, 8, ino, 1, p),
        new LockManager.SetSig(101, 9, ino, 1, 34, p),
        new LockManager.RecordLock(101, 10, ino, 1, Syscall.RecordLock.Cmd.F_SETLK, 1, 0, 0, 0, p),
        new LockManager.Flock(101, 11, ino, 1, 2, p),
        new LockManager.Get(ino, 1),
        new LockManager.Put(101, ino, 1),
        new LockManager.Close(101, 12, ino, 1, p));
    for (LockManager.Command c : calls) {
      router.tell(c);
      ShardingEnvelope<LockManager.Command> e = region.receiveMessage();
      assertThat(e.entityId()).as("%s", c).isEqualTo(String.valueOf(ino));
      assertThat(e.message()).isEqualTo(new LockManager.FromNode(SELF, c));
    }
    region.expectNoMessage(java.time.Duration.ofMillis(100));
  }

  @Test
  void anOpenOfNoSuchFileIsAnsweredEnoent() {
    router.tell(new LockManager.Open(101, 1, "/data/none", AccessMode.O_RDONLY, false, process.getRef()));
    ProcessActor.KernelReply r = (ProcessActor.KernelReply) process.receiveMessage();
    assertThat(r.reqId()).isEqualTo(1);
    assertThat(r.errno()).isEqualTo(io.leasecr.core.locks.Errno.ENOENT);
    region.expectNoMessage(java.time.Duration.ofMillis(100));
  }
}
