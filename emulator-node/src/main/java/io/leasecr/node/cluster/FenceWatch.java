package io.leasecr.node.cluster;

import io.leasecr.core.time.EmulatedClock;
import io.leasecr.core.time.EmulatedTime;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Keeps the node's {@link FenceBook} up to date from cluster membership: every member seen, and the
 * moment (on the node's emulated clock) the cluster downed or removed each incarnation. A downed member
 * may still be reachable and sending until it is removed (a paused JVM that resumes does not know yet):
 * that window is what the fence closes. Also which incarnations some member has found unreachable: the
 * fence holds what they send until they are cleared or downed.
 */
final class FenceWatch {

  private FenceWatch() {}

  static Behavior<ClusterEvent.ClusterDomainEvent> create(FenceBook book) {
    return Behaviors.setup(ctx -> {
      EmulatedClock clock = EmulatedTime.clock(ctx.getSystem());
      Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(ctx.getSelf().narrow(),
          ClusterEvent.MemberEvent.class));
      Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(ctx.getSelf().narrow(),
          ClusterEvent.UnreachableMember.class));
      return Behaviors.receiveMessage(event -> {
        if (event instanceof ClusterEvent.UnreachableMember u) {
          // from now on its commands are held until it is cleared or downed (Fence, Clearance)
          book.suspected(u.member().uniqueAddress().longUid());
          return Behaviors.same();
        }
        if (!(event instanceof ClusterEvent.MemberEvent e)) {
          return Behaviors.same();
        }
        Member m = e.member();
        String address = m.address().toString();
        long uid = m.uniqueAddress().longUid();
        if (e instanceof ClusterEvent.MemberDowned || e instanceof ClusterEvent.MemberRemoved
            || m.status() == MemberStatus.down()) {
          if (book.downedAt(uid) == null) {
            ctx.getLog().info("fencing {} (uid {}) from {} ms on: the cluster {} it", address, uid, clock.nowMillis(),
                e instanceof ClusterEvent.MemberRemoved ? "removed" : "downed");
          }
          book.downed(address, uid, clock.nowMillis());
        } else {
          book.seen(address, uid);
        }
        return Behaviors.same();
      });
    });
  }
}
