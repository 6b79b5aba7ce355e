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
    return create(node, refs, Run::removalPending, RESEND_AFTER, true);
  }

  /**
   * {@code removalPending}: whether a member this node lists is being downed or removed, or a reachable one has
   * not seen this node's view yet (tests give their own); {@code resendAfter}: how long a batch waits for the next
   * answer before it asks its unconfirmed entities again ({@link #RESEND_AFTER}); {@code watchRemovals}: hear of
   * this node's removals (a batch starts {@link #REMOVAL_SETTLE} after the last one).
   */
  static Behavior<Command> create(String node, EmulatorSharding.Refs refs,
      java.util.function.Predicate<ActorContext<Command>> removalPending, Duration resendAfter, boolean watchRemovals) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(key(node), ctx.getSelf()));
      if (watchRemovals && "cluster".equals(ctx.getSystem().settings().config().getString("pekko.actor.provider"))) {
        org.apache.pekko.cluster.typed.Cluster.get(ctx.getSystem()).subscriptions().tell(
            org.apache.pekko.cluster.typed.Subscribe.create(ctx.messageAdapter(
                org.apache.pekko.cluster.ClusterEvent.MemberRemoved.class, e -> new Removed()),
                org.apache.pekko.cluster.ClusterEvent.MemberRemoved.class));
      }
      long[] removedAt = {0}; // wall ms this node last saw a member removed
      // per entity type (stage): the members a batch last found the coordinator clear against
      java.util.Map<Stage, Set<org.apache.pekko.actor.Address>> clearedFor = new java.util.EnumMap<>(Stage.class);
      // the members last looked at: a batch may come after the view shows a removal but before its event
      Set<org.apache.pekko.actor.Address> known = members(ctx);
      return Behaviors.receiveMessage(m -> {
        if (watchRemovals) {
          Set<org.apache.pekko.actor.Address> now = members(ctx);
          if (m instanceof Removed || !now.containsAll(known)) {
            removedAt[0] = System.currentTimeMillis();
          }
          known.clear();
          known.addAll(now);
        }
        if (m instanceof Cleared c) {
          clearedFor.put(c.stage(), c.members());
        }
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
            // the coordinator is asked by the first batch of each kind, and again after a removal: a batch after
            // one that found it clear goes at once. The first is asked whatever this node has seen: a batch can
            // come the moment the view drops the removed node, before its MemberRemoved event (the members
            // looked at last may then be those of the node's start), and went without any wait once (a 100k drill's
            // first batch on n1: 140 tables lost to the dead region's home, sent again after 1 s)
            Set<org.apache.pekko.actor.Address> cleared = clearedFor.get(b.stage());
            Set<org.apache.pekko.actor.Address> members = members(ctx);
            boolean ask = watchRemovals && !members.isEmpty()
                && (cleared == null || !members.containsAll(cleared) || removalPending.test(ctx));
            ctx.spawnAnonymous(Run.create(b, slices, node, refs, System.currentTimeMillis(), removalPending,
                resendAfter, removedAt[0], ask ? ctx.getSelf() : null));
          }
        }
        return Behaviors.same();
      });
    });
  }

  /** The members in this node's view (none without a cluster). */
  private static Set<org.apache.pekko.actor.Address> members(ActorContext<Command> ctx) {
    Set<org.apache.pekko.actor.Address> all = new HashSet<>();
    if ("cluster".equals(ctx.getSystem().settings().config().getString("pekko.actor.provider"))) {
      org.apache.pekko.cluster.Cluster.get(ctx.getSystem().classicSystem()).state().getMembers()
          .forEach(mb -> all.add(mb.address()));
    }
    return all;
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

  /** No answer for {@link #RESEND_AFTER}: the entities not confirmed yet are asked again, each on its own (local). */
  private record Straggle() implements Command, org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  private static final Command STRAGGLE = new Straggle();

  /** One entity's answer to a probe of its own: {@code taken} the table has its entries, or the pid runs (local). */
  private record Probed(long id, boolean taken)
      implements Command, org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  /** This node saw a member removed (adapted from the cluster's events; local). */
  private record Removed() implements Command, org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  /** The removal wait's tick (a local message). */
  private static final Command RECHECK = new Recheck();

  private record Recheck() implements Command, org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  /**
   * A batch found the coordinator of its stage's entities clear of removed nodes' regions against these members
   * (a member gone since then is a removal to wait for again).
   */
  private record Cleared(Stage stage, Set<org.apache.pekko.actor.Address> members)
      implements Command, org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  /** The sharding coordinator's regions, by address (null: no answer, or no coordinator known yet). */
  private record CoordinatorRegions(Set<org.apache.pekko.actor.Address> regions)
      implements Command, org.apache.pekko.actor.NoSerializationVerificationNeeded {}

  /** How long a batch waits for this node to see a downed member removed. */
  static final Duration REMOVAL_WAIT = Duration.ofSeconds(3);
  /**
   * How long after this node's view shows a removal a batch still waits before its first part goes: the view
   * (Cluster.state) changes before this node's shard regions and the coordinator have handled the removed
   * region's termination (each hears of it through death watch, a step later), and a restore sent through a
   * region in between goes to the dead region and is lost. The lost shards get no new home before the
   * coordinator's removal margin (300 ms) anyway, so the wait seldom delays the restore.
   */
  static final Duration REMOVAL_SETTLE = Duration.ofMillis(200);
  /**
   * How long a batch waits for the next answer, once all its parts are sent, before it asks the entities not
   * confirmed yet again, each on its own (default): a restore lost on its way is found and sent again within
   * about this time instead of the batch's whole answer time (8 s; a lost table cost a 100k drill 10 s).
   */
  static final Duration RESEND_AFTER = Duration.ofSeconds(1);
  /** How often one lease table's restore is sent by its batch in all before the batch leaves it to the driver. */
  static final int MAX_SENDS = 3;

  /**
   * Whether the coordinator has let go of every removed node's region: it lists regions (it is known and has
   * answered) and each is on a node this node still has as a member. Until then it may name a removed node's
   * region as a shard's home (it does so until it handles the region's termination, which reaches it through
   * death watch after its node's view shows the removal; then it ignores asks for those shards for the removal
   * margin), and what a region sends there is lost: seen once in a 100k drill, 5000 tables of n3 lost so and
   * sent again 8 s later. After it, a lost shard's first ask gives it its new home.
   */
  static boolean coordinatorClear(Set<org.apache.pekko.actor.Address> regions,
      Set<org.apache.pekko.actor.Address> members) {
    return regions != null && !regions.isEmpty() && members.containsAll(regions);
  }

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
    private final Duration resendAfter;
    /** PROCESSES: the one address every process entity of the batch answers (its state names the pid). */
    private final ActorRef<ProcessTable.ProcessesSaved> saved;
    /** PROCESSES: the pids not seen running yet, and how many entities answered that they run none. */
    private final Set<Integer> pending = new HashSet<>();
    private int emptyAnswers;
    /** TABLES: the one address every lease table of the batch answers, and the tables not confirmed yet. */
    private final ActorRef<LockManager.LocksSaved> tableSaved;
    private final Set<Long> pendingInos = new HashSet<>();
    /** TABLES: answers without entries (the table never got its restore). */
    private int emptyTables;
    /** The entities asked on their own, not answered yet; how often each table's restore went out. */
    private final Set<Long> probing = new HashSet<>();
    private final java.util.Map<Long, Integer> sends = new java.util.HashMap<>();
    private int probes;
    private int resent;

    static Behavior<Command> create(Batch batch, RestoreSlices slices, String node, EmulatorSharding.Refs refs,
        long arrived, java.util.function.Predicate<ActorContext<Command>> removalPending, Duration resendAfter,
        long removedAt, ActorRef<Command> askCoordinatorFor) {
      return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
        // a node the cluster downed is removed on each member in turn: until this one and the others have seen
        // the removal, its regions (or the coordinator) may still send a shard's messages to the dead node's
        // region, where they are lost. Waited for here (at most REMOVAL_WAIT), as the driver waited for its view,
        // and then REMOVAL_SETTLE more (see there); and, once this node has seen a removal, until the sharding
        // coordinator no longer lists a region on a node that is no member (see coordinatorClear)
        long settle = REMOVAL_SETTLE.toMillis();
        boolean[] clear = {askCoordinatorFor == null};
        if (removalPending.test(ctx) || (removedAt > 0 && System.currentTimeMillis() < removedAt + settle)
            || !clear[0]) {
          timers.startTimerWithFixedDelay(RECHECK, RECHECK, Duration.ofMillis(25));
          long until = arrived + REMOVAL_WAIT.toMillis();
          long[] seen = {removalPending.test(ctx) ? 0 : removedAt};
          boolean[] asking = {!clear[0]};
          if (asking[0]) {
            askCoordinator(ctx, batch.stage());
          }
          return Behaviors.receiveMessage(m -> {
            long now = System.currentTimeMillis();
            if (m instanceof CoordinatorRegions r) {
              asking[0] = false;
              Set<org.apache.pekko.actor.Address> members = members(ctx);
              clear[0] = coordinatorClear(r.regions(), members);
              if (clear[0] && !removalPending.test(ctx)) {
                askCoordinatorFor.tell(new Cleared(batch.stage(), members));
              }
              return Behaviors.same();
            }
            if (m == RECHECK && now < until) {
              if (!clear[0] && !asking[0]) {
                asking[0] = true;
                askCoordinator(ctx, batch.stage());
              }
              if (removalPending.test(ctx)) {
                seen[0] = 0;
                return Behaviors.same();
              }
              if (seen[0] == 0) {
                seen[0] = now;
              }
              if (now < seen[0] + settle || !clear[0]) {
                return Behaviors.same();
              }
            }
            timers.cancel(RECHECK);
            return new Run(ctx, timers, batch, slices, node, refs, arrived, now - arrived, resendAfter).next();
          });
        }
        return new Run(ctx, timers, batch, slices, node, refs, arrived, 0, resendAfter).next();
      }));
    }

    /** Asks the coordinator of the batch's entities for its regions, through this node's region (piped to self). */
    static void askCoordinator(ActorContext<Command> ctx, Stage stage) {
      org.apache.pekko.actor.ActorRef region = org.apache.pekko.cluster.sharding.ClusterSharding
          .get(ctx.getSystem().classicSystem())
          .shardRegion((stage == Stage.TABLES ? EmulatorSharding.INODE : EmulatorSharding.PROCESS).name());
      ctx.pipeToSelf(org.apache.pekko.pattern.Patterns.ask(region,
              org.apache.pekko.cluster.sharding.ShardRegion.getCurrentRegionsInstance(), Duration.ofMillis(500)),
          (answer, failure) -> new CoordinatorRegions(
              answer instanceof org.apache.pekko.cluster.sharding.ShardRegion.CurrentRegions r
                  ? new HashSet<>(r.getRegions()) : null));
    }

    /**
     * A member downed (or leaving) that this node still lists, or a reachable member that has not seen this
     * node's view yet: the sharding coordinator's node may still list the removed one, and the coordinator then
     * names the dead node's region as a shard's home, where what this node sends is lost (seen in a 100k drill:
     * 5000 tables of n3 lost so, then sent again after 8 s, while n1, the coordinator's node, saw the removal
     * 0.3 s after n3 did).
     */
    static boolean removalPending(ActorContext<Command> ctx) {
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
        Batch batch, RestoreSlices slices, String node, EmulatorSharding.Refs refs, long arrived, long waited,
        Duration resendAfter) {
      super(ctx);
      this.timers = timers;
      this.resendAfter = resendAfter;
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
          .onMessage(Probed.class, this::onProbed).onMessage(Straggle.class, s -> onStraggle())
          .onMessage(Overdue.class, o -> finish())
          // the coordinator's answer to an ask still out when the removal wait ran out: nothing to do any more
          .onMessage(CoordinatorRegions.class, r -> this).build();
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
      answered();
      return next();
    }

    /** An answer came: the answer timer runs from here, and the re-ask waits again. */
    private void answered() {
      timers.startSingleTimer(OVERDUE, OVERDUE, batch.answerWithin());
      if (todo.isEmpty()) {
        timers.startSingleTimer(STRAGGLE, STRAGGLE, resendAfter);
      }
    }

    /** No answer for a while: what is known goes back (the pids not confirmed are asked on their own). */
    private Behavior<Command> finish() {
      if (unanswered == 0 && todo.isEmpty() && emptyAnswers == pending.size()) {
        notRunning.addAll(pending); // every entity answered: those not running are the empty answers
      }
      if (probes > 0 || emptyTables > 0) {
        getContext().getLog().warn("restore batch {} on {}: {} of {} {} answered without it or not at all and were "
            + "asked again on their own ({} asks, {} restores sent again); {} left unconfirmed", batch.batch(), node,
            probes, batch.inos().size() + batch.pids().size(), batch.stage() == Stage.TABLES ? "lease tables"
                : "processes", probes, resent, pendingInos.size() + pending.size());
      }
      batch.replyTo().tell(new Done(batch.batch(), node, List.copyOf(restoredInos), List.copyOf(running),
          List.copyOf(notRunning), "", System.currentTimeMillis() - arrived, waited));
      return Behaviors.stopped();
    }

    /** A table's entries, sent after its restore: the inode its open files name took it. */
    private Behavior<Command> onTableSaved(TableSaved t) {
      unanswered--;
      boolean mine = false;
      for (io.leasecr.proto.image.OpenFile f : t.saved().part().getFilesList()) {
        if (pendingInos.remove(f.getIno())) {
          restoredInos.add(f.getIno());
          mine = true;
        } else if (batch.inos().contains(f.getIno())) {
          mine = true; // confirmed before (by its own ask)
        }
      }
      if (!mine) {
        emptyTables++; // a table of the batch without its entries: its restore was lost (which one: asked below)
      }
      answered();
      return next();
    }

    /**
     * Sends parts while the window allows; answers and stops once every entity is confirmed, or every entity
     * answered and none is left to ask again.
     */
    private Behavior<Command> next() {
      while (unanswered < WINDOW && !todo.isEmpty()) {
        long id = todo.poll();
        unanswered++;
        if (batch.stage() == Stage.TABLES) {
          table(id);
        } else {
          process((int) id);
        }
        if (todo.isEmpty()) {
          timers.startSingleTimer(STRAGGLE, STRAGGLE, resendAfter);
        }
      }
      if (!todo.isEmpty()) {
        return this;
      }
      if (batch.stage() == Stage.TABLES) {
        if (pendingInos.isEmpty()) {
          return finish();
        }
        if (unanswered == 0 && probing.isEmpty()) {
          // every table answered, and those not confirmed answered without entries: their restores were lost
          // (a table's Save is handled after its Restore: one sender, one region, one mailbox). Sent again at once
          return askAgain(true);
        }
        return this;
      }
      if (pending.isEmpty() || (unanswered == 0 && probing.isEmpty() && probes == 0)) {
        return finish();
      }
      return this;
    }

    /** No answer for {@link #resendAfter}: the entities not confirmed (and not being asked) are asked on their own. */
    private Behavior<Command> onStraggle() {
      return askAgain(false);
    }

    /**
     * Asks each unconfirmed entity of the batch (at most {@link #WINDOW} at once) on its own. A table whose restore
     * is known lost ({@code lost}: it answered without entries) gets its restore again first; one merely silent is
     * asked first, and gets its restore again only if it answers without entries. A process is only asked: one
     * that runs nothing is reported so, and the driver starts it again (a start that is merely slow must not be
     * sent twice).
     */
    private Behavior<Command> askAgain(boolean lost) {
      List<Long> ask = new ArrayList<>();
      for (long id : batch.stage() == Stage.TABLES ? pendingInos : pending.stream().map(Integer::longValue).toList()) {
        if (ask.size() + probing.size() >= WINDOW) {
          break;
        }
        if (!probing.contains(id) && sends.getOrDefault(id, 1) < MAX_SENDS) {
          ask.add(id);
        }
      }
      for (long id : ask) {
        if (lost) {
          restoreTable(id);
        }
        probe(id);
      }
      if (!ask.isEmpty()) {
        answered(); // the timers run from the asks
      }
      return this;
    }

    /** One entity's answer to its own ask. */
    private Behavior<Command> onProbed(Probed p) {
      probing.remove(p.id());
      if (batch.stage() == Stage.TABLES) {
        if (p.taken()) {
          if (pendingInos.remove(p.id())) {
            restoredInos.add(p.id());
          }
        } else if (pendingInos.contains(p.id()) && sends.getOrDefault(p.id(), 1) < MAX_SENDS) {
          restoreTable(p.id()); // no entries: its restore was lost (the ask came after it); again, then asked
          probe(p.id());
        }
      } else if (pending.remove((int) p.id())) {
        (p.taken() ? running : notRunning).add((int) p.id());
      }
      answered();
      if (batch.stage() == Stage.TABLES ? pendingInos.isEmpty() : pending.isEmpty()) {
        return finish();
      }
      return this;
    }

    private void restoreTable(long ino) {
      sends.put(ino, sends.getOrDefault(ino, 1) + 1); // the first send counts too
      resent++;
      CheckpointImage part = slices.of(ino);
      refs.inodes().tell(new ShardingEnvelope<>(String.valueOf(ino), new LockManager.Restore(part,
          part.getProcessesList().stream().map(p -> p.getSpec().getPid()).toList(), batch.policy(), batch.criu())));
    }

    /** Asks one entity on its own (a child that knows which one it asked), after whatever was sent to it before. */
    private void probe(long id) {
      probing.add(id);
      probes++;
      ActorRef<Command> parent = getContext().getSelf();
      if (batch.stage() == Stage.TABLES) {
        getContext().spawnAnonymous(Behaviors.<LockManager.LocksSaved>setup(c -> {
          refs.inodes().tell(new ShardingEnvelope<>(String.valueOf(id), new LockManager.Save(c.getSelf())));
          return Behaviors.receiveMessage(saved -> {
            parent.tell(new Probed(id, saved.part().getFilesList().stream().anyMatch(f -> f.getIno() == id)));
            return Behaviors.stopped();
          });
        }));
      } else {
        getContext().spawnAnonymous(Behaviors.<ProcessTable.ProcessesSaved>setup(c -> {
          refs.processes().tell(new ShardingEnvelope<>(String.valueOf(id), new ProcessTable.Save(c.getSelf())));
          return Behaviors.receiveMessage(saved -> {
            parent.tell(new Probed(id, !saved.processes().isEmpty()));
            return Behaviors.stopped();
          });
        }));
      }
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
