package io.leasecr.node.cluster;

import io.leasecr.core.checkpoint.CheckpointCoordinator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * The checkpoint coordinator as a cluster singleton on the nodes with role "node", all on one PostgreSQL
 * journal: it runs on the oldest node and, when that node is downed, starts again on the next oldest,
 * replaying every committed checkpoint from the journal. Elsewhere (the drill's driver) this is a proxy.
 * It survives journal outages ({@link CheckpointCoordinator#retrying}): a journal not reachable yet (schema
 * being created, database restarting) or failing under a commit restarts it with back-off, and a commit cut
 * short is committed when the database is back, within {@code lease-cr.checkpoint.commit-retry-for}, or
 * answered as not committed.
 */
public final class CoordinatorSingleton {

  private CoordinatorSingleton() {}

  public static ActorRef<CheckpointCoordinator.Command> init(ActorSystem<?> system) {
    return ClusterSingleton.get(system).init(SingletonActor.of(
            CheckpointCoordinator.retrying(null,
                system.settings().config().getDuration("lease-cr.checkpoint.commit-retry-for")),
            "checkpoint-coordinator")
        .withSettings(ClusterSingletonSettings.create(system).withRole(EmulatorSharding.NODE_ROLE)));
  }
}
