package io.leasecr.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.locks.Vfs;
import io.leasecr.core.time.EmulatedTime;
import io.leasecr.core.time.WallClock;
import io.leasecr.core.trace.TraceSink;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * On a cluster node's clock (wall time, scaled, freezable): no lease deadline passes while the clock is
 * frozen for a cut, and a break's time runs on from where it stood after the thaw; at scale 4 a 2 s
 * break lasts half a second of wall time.
 */
class LockManagerFrozenClockTest {

  private static final Vfs VFS = Vfs.builder().file("/f", 0, Inode.Kind.REGULAR, true).build();
  private static final Inode F = VFS.lookup("/f");

  private ActorTestKit kit;
  private ActorRef<LockManager.Command> locks;
  private TestProbe<ProcessTable.Command> directory;
  private long reqIds;

  private void start(double scale) {
    kit = ActorTestKit.create("frozen-clock", ConfigFactory.parseString(
        "lease-cr.time.clock = wall\nlease-cr.time.scale = " + scale).withFallback(ConfigFactory.load()));
    directory = kit.createTestProbe();
    locks = kit.spawn(LockManager.create(VFS, 2, true, TraceSink.NONE, directory.getRef()));
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  /** The holder (pid 1) takes a write lease; the breaker (pid 2) opens for write and sleeps: a 2 s break. */
  private TestProbe<ProcessActor.Command> breakTheLease() {
    TestProbe<ProcessActor.Command> holder = kit.createTestProbe();
    TestProbe<ProcessActor.Command> breaker = kit.createTestProbe();
    locks.tell(new LockManager.Open(1, ++reqIds, "/f", AccessMode.O_RDONLY, false, holder.getRef()));
    long fileId = holder.expectMessageClass(ProcessActor.KernelReply.class).file().fileId();
    locks.tell(new LockManager.SetLease(1, ++reqIds, 3, F.ino(), fileId, LeaseType.WRLCK.value, 0, true, holder.getRef()));
    assertThat(holder.expectMessageClass(ProcessActor.KernelReply.class).errno()).isNull();
    locks.tell(new LockManager.Open(2, ++reqIds, "/f", AccessMode.O_WRONLY, false, breaker.getRef()));
    breaker.expectMessageClass(ProcessActor.Blocked.class);
    assertThat(directory.expectMessageClass(ProcessTable.Deliver.class).pid()).as("SIGIO to the holder").isEqualTo(1);
    return breaker;
  }

  @Test
  void noDeadlinePassesWhileTheClockIsFrozen() {
    start(1);
    WallClock clock = (WallClock) EmulatedTime.clock(kit.system());
    breakTheLease();
    long frozenAt = clock.freeze(); // the deadline's timer is armed for 2 s of wall time
    directory.expectNoMessage(Duration.ofMillis(2600)); // its timer fired meanwhile, found it early, waits
    clock.thaw(frozenAt);
    long thawedWall = System.nanoTime();
    // the break had about 2 s left when the clock stopped: the lease times out about 2 s after the thaw
    ProcessTable.Deliver woken = directory.expectMessageClass(ProcessTable.Deliver.class, Duration.ofSeconds(4));
    long afterThawMs = (System.nanoTime() - thawedWall) / 1_000_000;
    assertThat(woken.pid()).isEqualTo(2);
    assertThat(woken.command()).isInstanceOf(ProcessActor.KernelReply.class);
    assertThat(afterThawMs).isBetween(1500L, 2600L);
  }

  @Test
  void aScaledClockRunsTheBreakFaster() {
    start(4);
    long t0 = System.nanoTime();
    breakTheLease();
    directory.expectMessageClass(ProcessTable.Deliver.class, Duration.ofSeconds(2));
    assertThat((System.nanoTime() - t0) / 1_000_000).as("2 s of emulated time at scale 4").isBetween(400L, 1200L);
  }
}
