package io.leasecr.node.drill;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/** The driver's view of which drill nodes are Up, and when a crashed one was downed and removed. */
final class Membership {

  private final Cluster cluster;
  private final Map<String, Long> removedAt = new ConcurrentHashMap<>();

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

  /** Waits until the node is downed; returns the wall time it was first seen so, or -1 on time-out. */
  long awaitGone(String node, long timeoutMs) throws InterruptedException {
    Long known = removedAt.get(node);
    if (known != null) {
      return known;
    }
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      if (gone(node)) {
        long now = System.currentTimeMillis();
        removedAt.put(node, now);
        return now;
      }
      Thread.sleep(20);
    }
    return -1;
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
