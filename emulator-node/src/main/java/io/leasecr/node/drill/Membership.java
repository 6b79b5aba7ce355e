package io.leasecr.node.drill;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/** The driver's view of which drill nodes are Up, and when a crashed one was downed and removed. */
final class Membership {

  /** What {@link #awaitGone} returns when the node's partition healed and it is back. */
  static final long HEALED = -2;

  private final Cluster cluster;
  private final Map<String, Long> removedAt = new ConcurrentHashMap<>();
  private final Map<String, Long> unreachableFrom = new ConcurrentHashMap<>();
  private final Map<String, Long> reachableAgain = new ConcurrentHashMap<>();

  Membership(Cluster cluster) {
    this.cluster = cluster;
  }

  boolean up(String node) {
    for (Member m : cluster.state().getMembers()) {
      if (m.getRoles().contains(node) && m.status() == MemberStatus.up()) {
        return true;
      }
    }
    return false;
  }

  /** Whether the node is out of the cluster: downed by the split-brain resolver (or removed since). */
  boolean gone(String node) {
    for (Member m : cluster.state().getMembers()) {
      if (m.getRoles().contains(node)) {
        return m.status() == MemberStatus.down() || m.status() == MemberStatus.removed();
      }
    }
    return true;
  }

  /** Whether the driver itself is out of the cluster: downed (its side lost), leaving, or its cluster stopped. */
  boolean selfDown() {
    if (cluster.isTerminated()) {
      return true;
    }
    MemberStatus s = cluster.selfMember().status();
    return s == MemberStatus.down() || s == MemberStatus.removed() || s == MemberStatus.exiting()
        || s == MemberStatus.leaving();
  }

  /**
   * The nodes (of {@code nodes}) that are members, Up or Down, and reachable from the driver now. Down counts:
   * when the resolver downs the driver's own side it downs its members one by one, so a poll can see a node of
   * that side Down a moment before the driver itself is.
   */
  java.util.List<String> reachableNodes(java.util.List<String> nodes) {
    java.util.List<String> out = new java.util.ArrayList<>();
    java.util.Set<Member> unreachable = new java.util.HashSet<>(cluster.state().getUnreachable());
    for (Member m : cluster.state().getMembers()) {
      boolean upOrDown = m.status() == MemberStatus.up() || m.status() == MemberStatus.down();
      if (upOrDown && !unreachable.contains(m)) {
        m.getRoles().stream().filter(nodes::contains).findFirst().ifPresent(out::add);
      }
    }
    out.sort(java.util.Comparator.comparingInt(nodes::indexOf));
    return out;
  }

  /** Whether some member sees the node as unreachable. */
  boolean unreachable(String node) {
    for (Member m : cluster.state().getUnreachable()) {
      if (m.getRoles().contains(node)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Waits until the node is downed; returns the wall time it was first seen so, or -1 on time-out. With
   * {@code healsAt} (a partition's end, wall ms; 0 for none), returns {@link #HEALED} once the node is Up
   * and reachable 3 s after the partition ended: the resolver did not down it.
   */
  long awaitGone(String node, long timeoutMs, long healsAt) throws InterruptedException {
    Long known = removedAt.get(node);
    if (known != null) {
      return known;
    }
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      long now = System.currentTimeMillis();
      if (gone(node)) {
        removedAt.put(node, now);
        return now;
      }
      boolean cut = unreachable(node);
      if (cut) {
        unreachableFrom.putIfAbsent(node, now);
        reachableAgain.remove(node);
      } else if (unreachableFrom.containsKey(node)) {
        reachableAgain.putIfAbsent(node, now);
      }
      // healed: Up and reachable 3 s after the partition ended (others see a healed node reachable again
      // 1-2.5 s after it ends; a node seen unreachable only then would still be caught, as downed)
      if (healsAt > 0 && now > healsAt + 3000 && !cut && up(node)) {
        return HEALED;
      }
      Thread.sleep(20);
    }
    return -1;
  }

  /** When the node was first seen unreachable (wall ms), or 0. */
  long unreachableFrom(String node) {
    return unreachableFrom.getOrDefault(node, 0L);
  }

  /** When the node was seen reachable again after that (wall ms), or 0. */
  long reachableAgainAt(String node) {
    return reachableAgain.getOrDefault(node, 0L);
  }

  /** Waits until the node is no member at all (the shards it hosted may then be allocated elsewhere). */
  boolean awaitRemoved(String node, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      boolean present = false;
      for (Member m : cluster.state().getMembers()) {
        present |= m.getRoles().contains(node);
      }
      if (!present) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }
}
