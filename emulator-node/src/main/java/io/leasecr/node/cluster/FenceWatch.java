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
 * that window is what the fence closes.
 */
final class FenceWatch {

  private FenceWatch() {}

  static Behavior<ClusterEvent.MemberEvent> create(FenceBook book) {
    return Behaviors.setup(ctx -> {
      EmulatedClock clock = EmulatedTime.clock(ctx.getSystem());
      Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(ctx.getSelf(), ClusterEvent.MemberEvent.class));
      return Behaviors.receiveMessage(e -> {
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
