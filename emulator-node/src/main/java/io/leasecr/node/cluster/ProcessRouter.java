package io.leasecr.node.cluster;

import io.leasecr.core.kernel.NodeIncarnation;
import io.leasecr.core.kernel.ProcessTable;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;

/**
 * The node's {@code ActorRef<ProcessTable.Command>}: what a process or a LockManager tells "the
 * process table" goes to the pid's sharded entity, wherever it runs, stamped with this node's
 * incarnation ({@code FromNode}): the entity's {@link Fence} refuses it once the cluster has downed this node.
 */
final class ProcessRouter {

  private ProcessRouter() {}

  static Behavior<ProcessTable.Command> create(ActorRef<ShardingEnvelope<ProcessTable.Command>> region,
      NodeIncarnation self) {
    return Behaviors.receive((ctx, m) -> {
      if (m instanceof ProcessTable.Spawn s) {
        to(region, s.spec().pid(), new ProcessTable.FromNode(self, m));
      } else if (m instanceof ProcessTable.Forked f) {
        to(region, f.child().pid(), new ProcessTable.FromNode(self, m));
      } else if (m instanceof ProcessTable.Deliver d) {
        to(region, d.pid(), new ProcessTable.FromNode(self, m));
      } else if (m instanceof ProcessTable.Exited e) {
        to(region, e.pid(), new ProcessTable.FromNode(self, m));
      } else if (m instanceof ProcessTable.Restore r) {
        for (io.leasecr.proto.image.Process p : r.processes()) {
          to(region, p.getSpec().getPid(), new ProcessTable.FromNode(self,
              new ProcessTable.Restore(List.of(p), r.files())));
        }
      } else {
        ctx.getLog().warn("a whole-table {} has no meaning in cluster mode: ask each pid", m.getClass().getSimpleName());
      }
      return Behaviors.same();
    });
  }

  static void to(ActorRef<ShardingEnvelope<ProcessTable.Command>> region, int pid, ProcessTable.Command m) {
    region.tell(new ShardingEnvelope<>(String.valueOf(pid), m));
  }
}
