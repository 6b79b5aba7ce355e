package io.leasecr.node.cluster;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;

/**
 * Puts each shard (one per process, one per inode) on the node its placement names: the first of its
 * candidate nodes that has a live region (so a process whose node was downed comes back where the drill
 * restarts it). Nodes are found by role (a node's name is one of its roles). Never rebalances.
 * A live candidate is waited for: while it is joining, weakly up (a member joins fully only once the
 * cluster converges) or Up without a registered region, the allocation fails and the region retries
 * (retry-interval). Candidates that are no members, or downed, leaving or removed, are passed over; a
 * shard with no live candidate goes to the least loaded region. (Passing over every candidate that was
 * not Up yet put all 10000 entities of a drill on its first node once, under load.)
 */
final class PlacementStrategy extends ShardCoordinator.AbstractShardAllocationStrategy {

  private final Cluster cluster;
  private final Function<String, List<String>> candidates;

  PlacementStrategy(Cluster cluster, Function<String, List<String>> candidates) {
    this.cluster = cluster;
    this.candidates = candidates;
  }

  @Override
  public Future<ActorRef> allocateShard(ActorRef requester, String shardId, Map<ActorRef, IndexedSeq<String>> current) {
    for (String node : candidates.apply(shardId)) {
      for (ActorRef region : current.keySet()) {
        if (hosts(region, node)) {
          return org.apache.pekko.dispatch.Futures.successful(region);
        }
      }
      if (live(node)) {
        return org.apache.pekko.dispatch.Futures.failed(new IllegalStateException("node " + node + " has no shard region yet"));
      }
    }
    return current.entrySet().stream().min(Comparator.comparingInt((Map.Entry<ActorRef, IndexedSeq<String>> e)
        -> e.getValue().size()).thenComparing(e -> e.getKey().path().toString()))
        .map(e -> org.apache.pekko.dispatch.Futures.successful(e.getKey()))
        .orElseGet(() -> org.apache.pekko.dispatch.Futures.failed(new IllegalStateException("no shard region")));
  }

  @Override
  public Future<Set<String>> rebalance(Map<ActorRef, IndexedSeq<String>> current, Set<String> inProgress) {
    return org.apache.pekko.dispatch.Futures.successful(Set.of());
  }

  /** Joining, weakly up or Up: a node that is or will be able to host shards. */
  private boolean live(String node) {
    for (Member m : cluster.state().getMembers()) {
      if (m.getRoles().contains(node)) {
        MemberStatus status = m.status();
        return status == MemberStatus.joining() || status == MemberStatus.weaklyUp() || status == MemberStatus.up();
      }
    }
    return false;
  }

  private boolean hosts(ActorRef region, String node) {
    Address a = region.path().address();
    Address address = a.hasLocalScope() ? cluster.selfAddress() : a;
    for (Member m : cluster.state().getMembers()) {
      if (m.address().equals(address)) {
        return m.getRoles().contains(node);
      }
    }
    return false;
  }
}
