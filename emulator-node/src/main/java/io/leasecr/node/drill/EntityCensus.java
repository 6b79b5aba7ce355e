package io.leasecr.node.drill;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.sharding.ShardRegion;

/**
 * How many process entities sharding runs on each node (its cluster-wide statistics, asked through the
 * driver's proxy): the drill counts them before a node is lost and after, to show remember-entities
 * re-creating the lost node's entities on the survivors.
 */
final class EntityCensus {

  private static final Duration ASK = Duration.ofSeconds(3);

  private final ActorSystem<?> system;
  private final org.apache.pekko.actor.typed.ActorRef<?> region;
  private final List<String> nodes;

  /** {@code region}: the driver's proxy of the process entities. */
  EntityCensus(ActorSystem<?> system, org.apache.pekko.actor.typed.ActorRef<?> region, List<String> nodes) {
    this.system = system;
    this.region = region;
    this.nodes = nodes;
  }

  /** The census last taken in the background ({@link #refresh}), or empty. */
  private volatile Map<String, Integer> latest = Map.of();

  /** Takes a census on a thread of its own; {@link #latest} has it when it is done. */
  void refresh() {
    Thread t = new Thread(() -> {
      Map<String, Integer> c = count();
      if (!c.isEmpty()) {
        latest = c;
      }
    }, "entity-census");
    t.setDaemon(true);
    t.start();
  }

  /** The last census taken, without waiting for sharding (a crash step must not be late for it). */
  Map<String, Integer> latest() {
    return latest;
  }

  /** Node name to its number of process entities; empty if sharding did not answer. */
  Map<String, Integer> count() {
    Map<String, Integer> counts = new TreeMap<>();
    try {
      // the classic proxy: the typed query answers nothing on a node that only proxies the entity type
      org.apache.pekko.actor.ActorRef proxy = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(region);
      ShardRegion.ClusterShardingStats stats = (ShardRegion.ClusterShardingStats) org.apache.pekko.pattern.Patterns.ask(
          proxy, new ShardRegion.GetClusterShardingStats(scala.concurrent.duration.FiniteDuration.create(ASK.toMillis(),
              TimeUnit.MILLISECONDS)), ASK.plusSeconds(1)).toCompletableFuture()
          .get(ASK.toMillis() + 1500, TimeUnit.MILLISECONDS);
      stats.getRegions().forEach((address, region) -> {
        String node = node(address);
        if (node != null) {
          int n = region.getStats().values().stream().mapToInt(v -> ((Number) v).intValue()).sum();
          counts.merge(node, n, Integer::sum);
        }
      });
    } catch (Exception e) {
      // no statistics this time: the caller reports what it could not count
    }
    return counts;
  }

  private String node(Address address) {
    for (Member m : Cluster.get(system.classicSystem()).state().getMembers()) {
      if (m.address().equals(address)) {
        return m.getRoles().stream().filter(nodes::contains).findFirst().orElse(null);
      }
    }
    return null;
  }
}
