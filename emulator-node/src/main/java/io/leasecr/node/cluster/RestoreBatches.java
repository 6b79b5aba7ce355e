package io.leasecr.node.cluster;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.leasecr.core.checkpoint.ImageCodec;
import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.proto.image.CheckpointImage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;

/**
 * A node's restore fan-out: the drill's driver sends a partial restart to each node as a few batches
 * ({@link Batch}: the lease tables to restore, or the processes to start, with the part of the image they
 * need) instead of one sharded message per table and per process. The fan-out cuts each entity's part out of
 * the batch's image ({@link RestoreSlices}: the very part the driver would have sent), sends it through this
 * node's own shard regions (each lease table and each process stays one sharded actor, behind its fence; an
 * entity whose shard lives on another node is reached through it, as any sharded message), asks each entity
 * right after whether it took it (a table sends its entries; a process entity its process's state, or nothing),
 * and answers once for the batch ({@link Done}). At most {@link #WINDOW} entities of a batch are unanswered
 * at once: a shard elsewhere is reached over Artery, whose send queue drops what does not fit.
 *
 * <p>The fan-out relays the driver's restore (unstamped, as the driver's own commands: the driver is the
 * authority that downs nodes, and sends batches only to nodes it sees up). A batch that does not hold
 * together is refused as a whole, in words, with nothing applied.
 */
public final class RestoreBatches {

  /** How many entities of one batch are unanswered at once. */
  static final int WINDOW = 500;
  /** How long the fan-out waits for the next entity's answer before it answers with what it has (default). */
  static final Duration ENTITY_ANSWER = Duration.ofSeconds(10);
  /** The largest batch taken (entities). */
  public static final int MAX_BATCH = 20_000;

  private RestoreBatches() {}

  /** Each node's fan-out is listed under its own key ("restore-batches-n1"). */
  public static ServiceKey<Command> key(String node) {
    return ServiceKey.create(Command.class, "restore-batches-" + node);
  }

  public sealed interface Command {}

  public enum Stage { TABLES, PROCESSES }

  /**
   * One batch: {@code image} (a serialized CheckpointImage, parsed here so that a bad one is refused in words)
   * holds the batch's part only; TABLES restores the tables of {@code inos} (policy, criu), PROCESSES starts
   * {@code pids}.
   */
  public record Batch(long batch, Stage stage, ByteString image, List<Long> inos, List<Integer> pids, String policy,
      boolean criu, int answerMs, ActorRef<Done> replyTo) implements Command {
    /** How long the fan-out waits for the next entity's answer. */
    Duration answerWithin() {
      return answerMs > 0 ? Duration.ofMillis(answerMs) : ENTITY_ANSWER;
    }
  }

  /** The answer: the tables and running processes confirmed, the process entities that run none, or a refusal. */
  public record Done(long batch, String node, List<Long> restoredInos, List<Integer> running, List<Integer> notRunning,
      String refused, long nodeMs, long waitedMs) {
    public Done(long batch, String node, List<Long> restoredInos, List<Integer> running, List<Integer> notRunning,
        String refused) {
      this(batch, node, restoredInos, running, notRunning, refused, 0, 0);
    }
  }

  public static Behavior<Command> create(String node, EmulatorSharding.Refs refs) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(key(node), ctx.getSelf()));
      return Behaviors.receiveMessage(m -> {
        if (m instanceof Batch b) {
          String why;
          RestoreSlices slices = null;
          try {
            CheckpointImage image = CheckpointImage.parseFrom(b.image());
            why = refusal(b, image);
            if (why == null) {
              slices = new RestoreSlices(image, image.getProcessesList());
              why = missing(b, slices);
            }
          } catch (InvalidProtocolBufferException e) {
            why = "its image is not a checkpoint image (" + e.getMessage() + ")";
          }
          if (why != null) {
            ctx.getLog().warn("restore batch {} refused on {}: {}", b.batch(), node, why);
            if (b.replyTo() != null) {
              b.replyTo().tell(new Done(b.batch(), node, List.of(), List.of(), List.of(),
                  "restore batch " + b.batch() + " refused by " + node + ": " + why));
            }
          } else {
            ctx.spawnAnonymous(Run.create(b, slices, node, refs, System.currentTimeMillis()));
          }
        }
        return Behaviors.same();
      });
    });
  }

  /** Why a batch does not hold together (its lists), or null. */
  static String refusal(Batch b, CheckpointImage image) {
    if (b.replyTo() == null) {
      return "it names no actor to answer";
    }
    if (!ImageCodec.MAGIC.equals(image.getMagic())) {
      return "its image is not a checkpoint image (magic '" + image.getMagic() + "', not " + ImageCodec.MAGIC + ")";
    }
    if (b.answerMs() < 0 || b.answerMs() > 600_000) {
      return "its answer time " + b.answerMs() + " ms is out of range (0..600000)";
    }
    if (b.stage() == null) {
      return "it names no stage (TABLES or PROCESSES)";
    }
    boolean tables = b.stage() == Stage.TABLES;
    if (tables ? !b.pids().isEmpty() : !b.inos().isEmpty()) {
      return tables ? "a TABLES batch names pids (" + b.pids().size() + ")"
          : "a PROCESSES batch names inos (" + b.inos().size() + ")";
    }
    int n = tables ? b.inos().size() : b.pids().size();
    if (n == 0) {
      return "it is empty (no " + (tables ? "ino" : "pid") + ")";
    }
    if (n > MAX_BATCH) {
      return "it holds " + n + " entities, more than " + MAX_BATCH;
    }
    Set<Object> seen = new HashSet<>();
    for (Object id : tables ? b.inos() : b.pids()) {
      if (!seen.add(id)) {
        return (tables ? "ino " : "pid ") + id + " is in it twice";
      }
    }
    return null;
  }

  /** Which table has no open file in the image, or which pid no process: the batch cannot restore it. */
  static String missing(Batch b, RestoreSlices slices) {
    for (long ino : b.inos()) {
      if (!slices.hasFileOf(ino)) {
        return "lease table " + ino + " has no open file in its image";
      }
    }
    for (int pid : b.pids()) {
      if (slices.process(pid) == null) {
        return "pid " + pid + " has no process in its image";
      }
    }
    return null;
  }

  /** A lease table's entries, after its restore (adapted; a local message). */
  private record TableSaved(LockManager.LocksSaved saved)
      implements Command, org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  /** A process entity's answer (adapted; a local message). */
  private record Saved(ProcessTable.ProcessesSaved saved)
      implements Command, org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  /** No entity of the batch answered for its answer time (a local message). */
  private record Overdue() implements Command, org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  private static final Command OVERDUE = new Overdue();

  /** The removal wait's tick (a local message). */
  private static final Command RECHECK = new Recheck();

  private record Recheck() implements Command, org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  /** How long a batch waits for this node to see a downed member removed. */
  static final Duration REMOVAL_WAIT = Duration.ofSeconds(3);

  /** One batch being fanned out: sends, confirms, answers, stops. */
  private static final class Run extends AbstractBehavior<Command> {
    private final Batch batch;
    private final RestoreSlices slices;
    private final String node;
    private final EmulatorSharding.Refs refs;
    private final ArrayDeque<Long> todo = new ArrayDeque<>();
    private final List<Long> restoredInos = new ArrayList<>();
    private final List<Integer> running = new ArrayList<>();
    private final List<Integer> notRunning = new ArrayList<>();
    private int unanswered;
    /** Wall ms of the batch's arrival, and how long it waited for a removal. */
    private final long arrived;
    private final long waited;
    private final org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers;
    /** PROCESSES: the one address every process entity of the batch answers (its state names the pid). */
    private final ActorRef<ProcessTable.ProcessesSaved> saved;
    /** PROCESSES: the pids not seen running yet, and how many entities answered that they run none. */
    private final Set<Integer> pending = new HashSet<>();
    private int emptyAnswers;
    /** TABLES: the one address every lease table of the batch answers, and the tables not confirmed yet. */
    private final ActorRef<LockManager.LocksSaved> tableSaved;
    private final Set<Long> pendingInos = new HashSet<>();

    static Behavior<Command> create(Batch batch, RestoreSlices slices, String node, EmulatorSharding.Refs refs,
        long arrived) {
      return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
        // a node the cluster downed is removed on each member in turn: until this one and the others have seen
        // the removal, its regions (or the coordinator) may still send a shard's messages to the dead node's
        // region, where they are lost. Waited for here (at most REMOVAL_WAIT), as the driver waited for its view
        if (removalPending(ctx)) {
          timers.startTimerWithFixedDelay(RECHECK, RECHECK, Duration.ofMillis(50));
          long until = System.currentTimeMillis() + REMOVAL_WAIT.toMillis();
          return Behaviors.receiveMessage(m -> {
            if (m == RECHECK && removalPending(ctx) && System.currentTimeMillis() < until) {
              return Behaviors.same();
            }
            timers.cancel(RECHECK);
            return new Run(ctx, timers, batch, slices, node, refs, arrived, System.currentTimeMillis() - arrived).next();
          });
        }
        return new Run(ctx, timers, batch, slices, node, refs, arrived, 0).next();
      }));
    }

    /**
     * A member downed (or leaving) that this node still lists, or a reachable member that has not seen this
     * node's view yet: the sharding coordinator's node may still list the removed one, and the coordinator then
     * names the dead node's region as a shard's home, where what this node sends is lost (seen in a 100k drill:
     * 5000 tables of n3 lost so, then sent again after 8 s, while n1, the coordinator's node, saw the removal
     * 0.3 s after n3 did).
     */
    private static boolean removalPending(ActorContext<Command> ctx) {
      org.apache.pekko.cluster.ClusterEvent.CurrentClusterState state =
          org.apache.pekko.cluster.Cluster.get(ctx.getSystem().classicSystem()).state();
      for (org.apache.pekko.cluster.Member m : state.getMembers()) {
        org.apache.pekko.cluster.MemberStatus s = m.status();
        if (s == org.apache.pekko.cluster.MemberStatus.down() || s == org.apache.pekko.cluster.MemberStatus.exiting()
            || s == org.apache.pekko.cluster.MemberStatus.leaving()) {
          return true;
        }
        if (!state.getUnreachable().contains(m) && !state.getSeenBy().contains(m.address())) {
          return true;
        }
      }
      return false;
    }

    private Run(ActorContext<Command> ctx, org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers,
        Batch batch, RestoreSlices slices, String node, EmulatorSharding.Refs refs, long arrived, long waited) {
      super(ctx);
      this.timers = timers;
      this.saved = batch.stage() == Stage.PROCESSES ? ctx.messageAdapter(ProcessTable.ProcessesSaved.class, Saved::new)
          : null;
      this.tableSaved = batch.stage() == Stage.TABLES ? ctx.messageAdapter(LockManager.LocksSaved.class, TableSaved::new)
          : null;
      if (batch.stage() == Stage.PROCESSES) {
        pending.addAll(batch.pids());
      } else {
        pendingInos.addAll(batch.inos());
      }
      this.arrived = arrived;
      this.waited = waited;
      this.batch = batch;
      this.slices = slices;
      this.node = node;
      this.refs = refs;
      if (batch.stage() == Stage.TABLES) {
        todo.addAll(batch.inos());
      } else {
        batch.pids().forEach(pid -> todo.add((long) pid));
      }
    }

    @Override
    public Receive<Command> createReceive() {
      return newReceiveBuilder().onMessage(TableSaved.class, this::onTableSaved).onMessage(Saved.class, this::onSaved)
          .onMessage(Overdue.class, o -> finish()).build();
    }

    /**
     * A process entity's answer to its empty Save: its state (the pid runs) or nothing (it runs no process; which
     * pid that is, is known once every entity has answered: the pids not seen running).
     */
    private Behavior<Command> onSaved(Saved s) {
      unanswered--;
      if (s.saved().processes().isEmpty()) {
        emptyAnswers++;
      } else {
        int pid = s.saved().processes().get(0).getSpec().getPid();
        if (pending.remove(pid)) {
          running.add(pid);
        }
      }
      timers.startSingleTimer(OVERDUE, OVERDUE, batch.answerWithin()); // from the last answer on
      return next();
    }

    /** No answer for a while: what is known goes back (the pids not confirmed are asked on their own). */
    private Behavior<Command> finish() {
      if (unanswered == 0 && todo.isEmpty() && emptyAnswers == pending.size()) {
        notRunning.addAll(pending); // every entity answered: those not running are the empty answers
      }
      batch.replyTo().tell(new Done(batch.batch(), node, List.copyOf(restoredInos), List.copyOf(running),
          List.copyOf(notRunning), "", System.currentTimeMillis() - arrived, waited));
      return Behaviors.stopped();
    }

    /** A table's entries, sent after its restore: the inode its open files name took it. */
    private Behavior<Command> onTableSaved(TableSaved t) {
      unanswered--;
      for (io.leasecr.proto.image.OpenFile f : t.saved().part().getFilesList()) {
        if (pendingInos.remove(f.getIno())) {
          restoredInos.add(f.getIno());
        }
      }
      timers.startSingleTimer(OVERDUE, OVERDUE, batch.answerWithin()); // from the last answer on
      return next();
    }

    /** Sends parts while the window allows; answers and stops once every entity answered or timed out. */
    private Behavior<Command> next() {
      while (unanswered < WINDOW && !todo.isEmpty()) {
        long id = todo.poll();
        unanswered++;
        if (batch.stage() == Stage.TABLES) {
          table(id);
        } else {
          process((int) id);
        }
      }
      if (unanswered == 0 && todo.isEmpty()) {
        return finish();
      }
      return this;
    }

    private void table(long ino) {
      CheckpointImage part = slices.of(ino);
      String id = String.valueOf(ino);
      refs.inodes().tell(new ShardingEnvelope<>(id, new LockManager.Restore(part,
          part.getProcessesList().stream().map(p -> p.getSpec().getPid()).toList(), batch.policy(), batch.criu())));
      // the table answers after its restore (one mailbox, in order) with its entries, which name its inode (a
      // restored table has the restored open files); to one adapter: an ask per entity costs a temporary actor
      // and a timer each, which made this fan-out 5-10 times slower than it is now (BENCHMARKS.md)
      refs.inodes().tell(new ShardingEnvelope<>(id, new LockManager.Save(tableSaved)));
      overdueFromFirst();
    }

    /** The answer timer runs from the first part sent, and again from each answer. */
    private void overdueFromFirst() {
      if (unanswered == 1) {
        timers.startSingleTimer(OVERDUE, OVERDUE, batch.answerWithin());
      }
    }

    private void process(int pid) {
      io.leasecr.proto.image.Process p = slices.process(pid);
      String id = String.valueOf(pid);
      refs.processes().tell(new ShardingEnvelope<>(id, new ProcessTable.Restore(List.of(p), slices.filesOf(p))));
      // an empty Save, answered after the start (one mailbox, in order): the process's state, or nothing if the
      // entity runs no process (its start went to a shard's old home and was lost)
      // (to one adapter, as the tables')
      refs.processes().tell(new ShardingEnvelope<>(id, new ProcessTable.Save(saved)));
      overdueFromFirst();
    }
  }
}
