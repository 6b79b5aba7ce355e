package io.leasecr.node.cluster;

import io.leasecr.core.checkpoint.CheckpointCoordinator;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * The checkpoint coordinator as a cluster singleton on the nodes with role "node", all on one PostgreSQL
 * journal: it runs on the oldest node and, when that node is downed, starts again on the next oldest,
 * replaying every committed checkpoint from the journal. Elsewhere (the drill's driver) this is a proxy.
 */
public final class CoordinatorSingleton {

  private CoordinatorSingleton() {}

  public static ActorRef<CheckpointCoordinator.Command> init(ActorSystem<?> system) {
    return ClusterSingleton.get(system).init(SingletonActor.of(
            // a journal not reachable yet (schema being created, database restarting) is retried
            Behaviors.supervise(CheckpointCoordinator.create(null))
                .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1)),
            "checkpoint-coordinator")
        .withSettings(ClusterSingletonSettings.create(system).withRole(EmulatorSharding.NODE_ROLE)));
  }
}
