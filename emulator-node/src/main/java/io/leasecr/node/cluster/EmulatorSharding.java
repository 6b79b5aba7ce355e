package io.leasecr.node.cluster;

import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.NodeIncarnation;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.kernel.ProcessActor;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.trace.TraceSink;
import io.leasecr.node.drillfile.Drill;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The two sharded entity types of the emulated machine: "process" (entity id = pid, a
 * {@link ProcessEntity}) and "inode" (entity id = ino, a LockManager for that inode alone), hosted by
 * nodes with role "node" and placed by the drill ({@link PlacementStrategy}); a node without that role
 * (the drill's driver) gets proxies. Also starts the node's two routers, the refs that processes and
 * LockManagers use as "the kernel" and "the process table".
 *
 * <p>With a journal (the shared PostgreSQL), process entities are remembered, in the event-sourced
 * store ({@code lease-cr.node.remember-processes}; by default not in a drill of 50,000 processes or more,
 * {@link NodeSettings#forDrill}): when a node is downed, sharding re-creates its
 * process entities on the surviving nodes the placement allows, at once. A re-created entity has lost
 * its process with the node; it runs again only when a restart restores it from a checkpoint, as a
 * CRIU-restored task would. An exited process passivates its entity, so it is forgotten.
 */
public final class EmulatorSharding {

  public static final EntityTypeKey<ProcessTable.Command> PROCESS =
      EntityTypeKey.create(ProcessTable.Command.class, "process");
  public static final EntityTypeKey<LockManager.Command> INODE = EntityTypeKey.create(LockManager.Command.class, "inode");
  public static final String NODE_ROLE = "node";
  /** How a node's trace says that sharding started a process entity there (the drill looks for it). */
  public static final String ENTITY_STARTED = "sharding started the entity of pid ";

  /** The regions (or proxies) and the node-local routers. */
  public record Refs(ActorRef<ShardingEnvelope<ProcessTable.Command>> processes,
      ActorRef<ShardingEnvelope<LockManager.Command>> inodes, ActorRef<ProcessTable.Command> processRouter,
      ActorRef<LockManager.Command> lockRouter) {}

  private EmulatorSharding() {}

  public static Refs start(ActorContext<?> ctx, Drill drill, TraceSink trace) {
    ActorSystem<?> system = ctx.getSystem();
    ClusterSharding sharding = ClusterSharding.get(system);
    Cluster cluster = Cluster.get(system.classicSystem());
    Scenario scenario = drill.scenario();
    // thousands of generated entities: one shard per placement (start node, then restart nodes), not per
    // entity, so the coordinator allocates a handful of shards instead of one per pid and inode
    boolean grouped = !drill.generated().isEmpty();
    // entities may start (on a shard's thread) before this method returns: they wait for the routers
    CompletableFuture<ProcessActor.Kernel> kernel = new CompletableFuture<>();
    CompletableFuture<ActorRef<ProcessTable.Command>> directory = new CompletableFuture<>();
    String node = system.settings().config().getString("lease-cr.node.name");
    // fencing: what this node sends carries its incarnation; what downed incarnations send is refused here
    NodeIncarnation self = new NodeIncarnation(node, cluster.selfAddress().toString(),
        cluster.selfUniqueAddress().longUid());
    FenceBook fences = new FenceBook();
    ctx.spawn(FenceWatch.create(fences), "fence-watch");
    Clearance clearance = Clearance.of(cluster);
    ActorRef<ShardingEnvelope<ProcessTable.Command>> processes = sharding.init(placed(
        Entity.of(PROCESS, ec -> Fence.processes(ProcessEntity.create(Integer.parseInt(ec.getEntityId()),
                kernel.join(), ec.getShard(), node), fences, clearance, trace, node))
            .withSettings(rememberProcesses(system)
                ? ClusterShardingSettings.create(system).withRememberEntities(true)
                    .withRememberEntitiesStoreMode(ClusterShardingSettings.rememberEntitiesStoreModeEventSourced())
                : ClusterShardingSettings.create(system)),
        cluster, grouped, id -> drill.candidates(Integer.parseInt(id))));
    ActorRef<ShardingEnvelope<LockManager.Command>> inodes = sharding.init(placed(
        Entity.of(INODE, ec -> Fence.locks(LockManager.create(scenario.vfs(), scenario.sysctl("fs.lease-break-time"),
                scenario.sysctl("fs.leases-enable") != 0, trace, directory.join()), fences, clearance, trace, node)),
        cluster, grouped, id -> drill.candidates(Long.parseLong(id))));
    ActorRef<ProcessTable.Command> processRouter = ctx.spawn(ProcessRouter.create(processes, self), "process-router");
    ActorRef<LockManager.Command> lockRouter = ctx.spawn(LockRouter.create(scenario.vfs(), inodes, self), "lock-router");
    directory.complete(processRouter);
    kernel.complete(new ProcessActor.Kernel(lockRouter, processRouter, trace));
    return new Refs(processes, inodes, processRouter, lockRouter);
  }

  /**
   * On the nodes with role "node", where the drill places it: {@code candidates} gives an entity's nodes in
   * order of preference; grouped, the shard is the group of entities with the same candidates ("n2>n1").
   */
  private static <M> Entity<M, ShardingEnvelope<M>> placed(Entity<M, ShardingEnvelope<M>> entity, Cluster cluster,
      boolean grouped, java.util.function.Function<String, List<String>> candidates) {
    return entity.withRole(NODE_ROLE)
        .withMessageExtractor(grouped ? new Grouped<M>(id -> String.join(">", candidates.apply(id)))
            : ShardPerEntity.<M>create())
        .withAllocationStrategy(new PlacementStrategy(cluster, grouped ? id -> List.of(id.split(">")) : candidates));
  }

  /** Whether process entities are remembered: asked for, and a journal to remember them in. */
  public static boolean rememberProcesses(ActorSystem<?> system) {
    com.typesafe.config.Config c = system.settings().config();
    // a node's and a driver's configuration has on or off (ClusterConfig, NodeSettings.forDrill); auto elsewhere
    String remember = c.getString("lease-cr.node.remember-processes");
    return !remember.equals("off") && !remember.equals("false") && !c.getString("pekko.persistence.journal.plugin").isEmpty();
  }

  /** One shard per group of entities with the same candidate nodes, named by them ("n2>n1"). */
  static final class Grouped<M> extends ShardingMessageExtractor<ShardingEnvelope<M>, M> {
    private final java.util.function.Function<String, String> group;

    Grouped(java.util.function.Function<String, String> group) {
      this.group = group;
    }

    @Override
    public String entityId(ShardingEnvelope<M> envelope) {
      return envelope.entityId();
    }

    @Override
    public String shardId(String entityId) {
      String g = group.apply(entityId);
      return g.isEmpty() ? "unplaced" : g;
    }

    @Override
    public M unwrapMessage(ShardingEnvelope<M> envelope) {
      return envelope.message();
    }
  }

  /** One shard per entity, named like it: placement is decided entity by entity. */
  static final class ShardPerEntity<M> extends ShardingMessageExtractor<ShardingEnvelope<M>, M> {
    static <M> ShardPerEntity<M> create() {
      return new ShardPerEntity<>();
    }

    @Override
    public String entityId(ShardingEnvelope<M> envelope) {
      return envelope.entityId();
    }

    @Override
    public String shardId(String entityId) {
      return entityId;
    }

    @Override
    public M unwrapMessage(ShardingEnvelope<M> envelope) {
      return envelope.message();
    }
  }
}
