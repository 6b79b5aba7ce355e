package io.leasecr.node.cluster;

import io.leasecr.core.trace.TraceSink;
import io.leasecr.node.drillfile.Drill;
import java.io.PrintStream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;

/**
 * The guardian of a cluster node: starts sharding and the routers (and, with a journal, the checkpoint
 * coordinator singleton), and reports membership changes.
 */
public final class NodeGuardian {

  private NodeGuardian() {}

  /** With {@code journal}, the node also hosts (or stands by for) the checkpoint coordinator singleton. */
  public static Behavior<ClusterEvent.MemberEvent> create(String name, Drill drill, TraceSink trace, PrintStream log,
      boolean journal) {
    return Behaviors.setup(ctx -> {
      EmulatorSharding.Refs refs = EmulatorSharding.start(ctx, drill, trace);
      // a restart's batches from the drill's driver, fanned out to this node's entities
      ctx.spawn(RestoreBatches.create(name, refs), "restore-batches");
      ctx.spawn(io.leasecr.core.time.ClockKeeper.create(name), "clock-keeper");
      if (journal) {
        SchemaUtils.createIfNotExists(ctx.getSystem()); // the singleton retries its recovery until this is done
        CoordinatorSingleton.init(ctx.getSystem());
      }
      ActorRef<ClusterEvent.MemberEvent> self = ctx.getSelf();
      Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(self, ClusterEvent.MemberEvent.class));
      return Behaviors.receiveMessage(e -> {
        String what = e instanceof ClusterEvent.MemberUp ? "up" : e instanceof ClusterEvent.MemberRemoved ? "removed"
            : e instanceof ClusterEvent.MemberDowned ? "downed" : e instanceof ClusterEvent.MemberLeft ? "left"
            : e instanceof ClusterEvent.MemberExited ? "exited" : null;
        if (what != null) {
          log.printf("[%s] %d member %s: %s %s%n", name, System.currentTimeMillis(), what, e.member().address(),
              e.member().getRoles());
        }
        return Behaviors.same();
      });
    });
  }
}
