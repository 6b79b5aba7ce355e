package io.leasecr.node.bench;

import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.time.EmulatedTime;
import io.leasecr.core.time.EmulatorConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** The floor: plain Pekko ping-pong on the same emulated dispatcher, for a given number of messages. */
final class RawMessaging {

  private RawMessaging() {}

  record Ball(long left, ActorRef<Ball> replyTo) {}

  /** Wall and loop-thread CPU nanoseconds. */
  record Time(long wallNanos, long cpuNanos) {}

  static Time time(int pairs, long messages) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger remaining = new AtomicInteger(pairs);
    long perPair = messages / pairs;
    long[] start = new long[1];
    long[] cpuStart = new long[1];
    io.leasecr.core.time.EmulatedScheduler[] loop = new io.leasecr.core.time.EmulatedScheduler[1];
    Behavior<Void> guardian = Behaviors.setup(ctx -> {
      Behavior<Ball> player = Behaviors.receive((c, ball) -> {
        if (ball.left() <= 1) {
          if (remaining.decrementAndGet() == 0) {
            done.complete(null);
          }
        } else {
          ball.replyTo().tell(new Ball(ball.left() - 1, c.getSelf()));
        }
        return Behaviors.same();
      });
      loop[0] = (io.leasecr.core.time.EmulatedScheduler) EmulatedTime.clock(ctx.getSystem());
      cpuStart[0] = loop[0].loopCpuNanos();
      start[0] = System.nanoTime();
      for (int i = 0; i < pairs; i++) {
        ActorRef<Ball> a = ctx.spawn(player, "a" + i);
        ActorRef<Ball> b = ctx.spawn(player, "b" + i);
        a.tell(new Ball(perPair, b));
      }
      EmulatedTime.clock(ctx.getSystem()).setPaused(false);
      return Behaviors.empty();
    });
    ActorSystem<Void> system = ActorSystem.create(guardian, "raw", EmulatorConfig.virtual());
    try {
      BenchKernel.await(done);
      long wall = System.nanoTime() - start[0];
      return new Time(wall, loop[0].loopCpuNanos() - cpuStart[0]);
    } finally {
      Emulation.shutdown(system);
    }
  }
}
