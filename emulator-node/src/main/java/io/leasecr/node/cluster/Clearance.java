package io.leasecr.node.cluster;

import io.leasecr.core.kernel.NodeIncarnation;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/**
 * What this node's view of the cluster says about a sender, for the {@link Fence}: whether it is
 * unreachable now (any observer's failure detector, as gossiped), and whether a sender this node has seen
 * unreachable is cleared again: up, reachable from every observer, and every reachable up member has seen
 * this node's current gossip state (the state in which the sender is up and reachable). A member that had
 * downed the sender could not have seen such a state: a downing shows in the downer's own state at once and
 * never goes away, so after that point no member can down the sender for the episode that made it
 * unreachable.
 */
interface Clearance {

  /** Unreachable in this node's view now. */
  boolean unreachable(NodeIncarnation origin);

  /** Up, reachable and seen so by every reachable up member (see above). */
  boolean clear(NodeIncarnation origin);

  /** No cluster (tests of the table alone): every sender is reachable and clear. */
  Clearance NONE = new Clearance() {
    @Override
    public boolean unreachable(NodeIncarnation origin) {
      return false;
    }

    @Override
    public boolean clear(NodeIncarnation origin) {
      return true;
    }
  };

  /** From Pekko's cluster read view ({@code Cluster.state()}: members, unreachable, seen-by). */
  static Clearance of(Cluster cluster) {
    return new Clearance() {
      @Override
      public boolean unreachable(NodeIncarnation origin) {
        for (Member m : cluster.state().getUnreachable()) {
          if (m.uniqueAddress().longUid() == origin.uid()) {
            return true;
          }
        }
        return false;
      }

      @Override
      public boolean clear(NodeIncarnation origin) {
        ClusterEvent.CurrentClusterState s = cluster.state();
        Set<Member> unreachable = s.getUnreachable();
        for (Member m : unreachable) {
          if (m.uniqueAddress().longUid() == origin.uid()) {
            return false;
          }
        }
        Set<Address> seen = s.getSeenBy();
        boolean found = false;
        for (Member m : s.getMembers()) {
          boolean live = m.status() == MemberStatus.up() || m.status() == MemberStatus.leaving();
          if (m.uniqueAddress().longUid() == origin.uid()) {
            if (!live) {
              return false; // joining, down, exiting or removed
            }
            found = true;
          }
          if (live && !unreachable.contains(m) && !seen.contains(m.address())) {
            return false; // not converged yet: a downing may be on its way
          }
        }
        return found;
      }
    };
  }
}
