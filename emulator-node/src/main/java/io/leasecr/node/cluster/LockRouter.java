package io.leasecr.node.cluster;

import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.NodeIncarnation;
import io.leasecr.core.locks.Vfs;
import io.leasecr.core.locks.Errno;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.kernel.ProcessActor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;

/**
 * The node's {@code ActorRef<LockManager.Command>}: the lease table is partitioned by inode, one
 * sharded LockManager per inode, and each command goes to its inode's (a path is resolved with the
 * Vfs; an unknown path is ENOENT at once). What concerns every inode (a process's exit, a sysctl) goes
 * to each. Registration is not needed: inode LockManagers reach pids through the process router.
 * Every command leaves stamped with this node's incarnation ({@code FromNode}), which the inode's
 * {@link Fence} checks: once the cluster has downed this node, nothing it sends changes a lease table.
 */
final class LockRouter {

  private LockRouter() {}

  static Behavior<LockManager.Command> create(Vfs vfs, ActorRef<ShardingEnvelope<LockManager.Command>> region,
      NodeIncarnation self) {
    return Behaviors.receive((ctx, msg) -> {
      LockManager.Command m = new LockManager.FromNode(self, msg);
      if (msg instanceof LockManager.Open o) {
        byPath(vfs, region, o.path(), m, o.replyTo(), o.reqId());
      } else if (msg instanceof LockManager.Truncate t) {
        byPath(vfs, region, t.path(), m, t.replyTo(), t.reqId());
      } else if (msg instanceof LockManager.Interrupt i) {
        byPath(vfs, region, i.path(), m, null, 0);
      } else if (msg instanceof LockManager.Reenter r) {
        byPath(vfs, region, r.path(), m, null, 0);
      } else if (msg instanceof LockManager.Recheck r) {
        if (r.path() != null) {
          byPath(vfs, region, r.path(), m, null, 0);
        } else {
          to(region, r.ino(), m);
        }
      } else if (msg instanceof LockManager.SetLease s) {
        to(region, s.ino(), m);
      } else if (msg instanceof LockManager.GetLease g) {
        to(region, g.ino(), m);
      } else if (msg instanceof LockManager.SetSig s) {
        to(region, s.ino(), m);
      } else if (msg instanceof LockManager.RecordLock r) {
        to(region, r.ino(), m);
      } else if (msg instanceof LockManager.Flock f) {
        to(region, f.ino(), m);
      } else if (msg instanceof LockManager.Get g) {
        to(region, g.ino(), m);
      } else if (msg instanceof LockManager.Put p) {
        to(region, p.ino(), m);
      } else if (msg instanceof LockManager.Close c) {
        to(region, c.ino(), m);
      } else if (msg instanceof LockManager.ProcessExited || msg instanceof LockManager.SetSysctl) {
        vfs.inodes().forEach(inode -> to(region, inode.ino(), m));
      }
      // Register: not needed here. ShowLocks, Save, Restore: the drill asks each inode itself.
      return Behaviors.same();
    });
  }

  private static void byPath(Vfs vfs, ActorRef<ShardingEnvelope<LockManager.Command>> region, String path,
      LockManager.Command m, ActorRef<ProcessActor.Command> replyTo, long reqId) {
    Inode inode = vfs.lookup(path);
    if (inode != null) {
      to(region, inode.ino(), m);
    } else if (replyTo != null) {
      replyTo.tell(new ProcessActor.KernelReply(reqId, -1, Errno.ENOENT, null));
    }
  }

  static void to(ActorRef<ShardingEnvelope<LockManager.Command>> region, long ino, LockManager.Command m) {
    region.tell(new ShardingEnvelope<>(String.valueOf(ino), m));
  }
}
