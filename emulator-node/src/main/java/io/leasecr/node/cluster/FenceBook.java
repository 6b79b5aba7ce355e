package io.leasecr.node.cluster;

import io.leasecr.core.kernel.NodeIncarnation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one node knows of every node incarnation it has seen (the epochs of fencing): in which order
 * incarnations of an address appeared, and when the cluster downed or removed each. Written by
 * {@link FenceWatch} (cluster membership), read by the {@link Fence} in front of every lease table and
 * process entity on the node: the one piece of state they share, thread-safe, only ever growing.
 */
final class FenceBook {

  /** When this node saw an incarnation downed (or removed without a downing seen), emulated ms. */
  private final Map<Long, Long> downedAt = new ConcurrentHashMap<>();
  /** Incarnations this node has seen unreachable and not cleared since (see {@link Clearance}). */
  private final java.util.Set<Long> suspects = ConcurrentHashMap.newKeySet();
  /** Per address, the uids of its incarnations in the order this node first saw them. */
  private final Map<String, List<Long>> incarnations = new ConcurrentHashMap<>();

  /** A member of the cluster, as first seen (joining or up). */
  void seen(String address, long uid) {
    incarnations.compute(address, (a, uids) -> {
      List<Long> l = uids == null ? new ArrayList<>() : new ArrayList<>(uids);
      if (!l.contains(uid)) {
        l.add(uid);
      }
      return List.copyOf(l);
    });
  }

  /** The cluster marked it down (or removed it): from now on nothing it sends is admitted. */
  void downed(String address, long uid, long atMs) {
    seen(address, uid);
    downedAt.putIfAbsent(uid, atMs);
  }

  /** 1 for the first incarnation of an address seen here, 2 for the next... (0: never seen). */
  int ordinal(String address, long uid) {
    List<Long> l = incarnations.getOrDefault(address, List.of());
    return l.indexOf(uid) + 1;
  }

  /**
   * Null if {@code origin} may still change state here; otherwise why not, as the refusal's trace says it,
   * at emulated instant {@code nowMs}: {@code incarnation 1, downed 0.6 s before}, or {@code incarnation 1,
   * superseded by incarnation 2}. (Relative: a node's clock counts from the drill's origin, its timelines
   * from the first step.)
   */
  String refusal(NodeIncarnation origin, long nowMs) {
    int n = ordinal(origin.address(), origin.uid());
    Long at = downedAt.get(origin.uid());
    if (at != null) {
      return "incarnation " + n + ", downed " + String.format(java.util.Locale.ROOT, "%.1f s", Math.max(0, nowMs - at)
          / 1000.0) + " before";
    }
    List<Long> l = incarnations.getOrDefault(origin.address(), List.of());
    if (n > 0 && n < l.size()) {
      return "incarnation " + n + ", superseded by incarnation " + l.size();
    }
    return null;
  }

  /** The cluster marked it unreachable (some member's failure detector): its commands are held from now on. */
  void suspected(long uid) {
    suspects.add(uid);
  }

  /** Reachable again and seen so by every reachable member: its commands pass again. */
  void cleared(long uid) {
    suspects.remove(uid);
  }

  boolean suspect(long uid) {
    return suspects.contains(uid);
  }

  /** When this node saw the incarnation downed or removed (emulated ms), or null. */
  Long downedAt(long uid) {
    return downedAt.get(uid);
  }
}
