package io.leasecr.node.drill;

import io.leasecr.core.checkpoint.ImageCodec;
import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.kernel.ProcessActor;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.node.cluster.EmulatorSharding;
import io.leasecr.node.cluster.RestoreBatches;
import io.leasecr.node.cluster.RestoreSlices;
import io.leasecr.node.drillfile.Drill;
import io.leasecr.proto.image.CheckpointImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;

/**
 * The driver's view of the emulated tree spread over the cluster: it reaches each pid and each inode
 * through the sharding proxies, collects a checkpoint (every inode's lease table and every process's
 * state, asked entity by entity, while the drill holds every node's clock frozen: {@link ClusterCut}),
 * and restores chosen processes from an image.
 */
final class ClusterTree {

  private static final Duration ASK = Duration.ofSeconds(5);
  /** How many asks are in flight at once (checkpoint, start, restore). */
  static final int BATCH = 1000;

  private final ActorSystem<?> system;
  private final EmulatorSharding.Refs refs;
  private final Scenario scenario;
  private final Drill drill;
  /** Inodes whose lease tables a restart brought back (on whatever node sharding put them). */
  final Set<Long> restoredInos = java.util.concurrent.ConcurrentHashMap.newKeySet();

  ClusterTree(ActorSystem<?> system, EmulatorSharding.Refs refs, Drill drill) {
    this.system = system;
    this.refs = refs;
    this.scenario = drill.scenario();
    this.drill = drill;
  }

  /** The answer of an ask, or a {@link DrillFailure} naming who did not answer (which file or process, on which node). */
  private <T> T answer(java.util.concurrent.CompletableFuture<T> f, String who) throws InterruptedException {
    try {
      return f.get(ASK.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new DrillFailure(who + " did not answer within " + ASK.toMillis() + " ms", e);
    }
  }

  private String tableOf(Inode inode) {
    return "the lease table of " + inode.path() + " (on " + drill.nodeOf(inode) + ")";
  }

  private String processOf(Scenario.ProcessDecl p) {
    return "process " + p.name() + " (pid " + p.pid() + ", on " + String.join(" or ", drill.candidates(p.pid())) + ")";
  }

  void deliver(int pid, ProcessActor.Command command) {
    refs.processes().tell(new ShardingEnvelope<>(String.valueOf(pid), new ProcessTable.Deliver(pid, command)));
  }

  void toProcess(int pid, ProcessTable.Command command) {
    refs.processes().tell(new ShardingEnvelope<>(String.valueOf(pid), command));
  }

  void toInode(long ino, LockManager.Command command) {
    refs.inodes().tell(new ShardingEnvelope<>(String.valueOf(ino), command));
  }

  void toEveryInode(LockManager.Command command) {
    scenario.vfs().inodes().forEach(i -> toInode(i.ino(), command));
  }

  /** /proc/locks of the whole machine: each inode's lines, in declaration order. */
  List<String> locks() throws Exception {
    List<String> lines = new ArrayList<>();
    for (Inode inode : scenario.vfs().inodes()) {
      LockManager.LocksReport r = answer(AskPattern.<ShardingEnvelope<LockManager.Command>, LockManager.LocksReport>ask(
          refs.inodes(), to -> new ShardingEnvelope<>(String.valueOf(inode.ino()), new LockManager.ShowLocks(to)),
          ASK, system.scheduler()).toCompletableFuture(), tableOf(inode));
      lines.addAll(r.lines());
    }
    return lines;
  }

  /** Every inode's lease table and every declared process's state, as one image (asked in parallel, in batches). */
  CheckpointImage save(String id, long takenAtMs) throws Exception {
    return save(id, takenAtMs, Set.of(), Set.of());
  }

  /**
   * As above, without the processes and lease tables that went with a dead node ({@code gonePids},
   * {@code goneInos}): a checkpoint of what is left, as CRIU would dump the tasks that still exist.
   */
  CheckpointImage save(String id, long takenAtMs, Set<Integer> gonePids, Set<Long> goneInos) throws Exception {
    CheckpointImage.Builder image = CheckpointImage.newBuilder();
    List<Inode> inodes = new ArrayList<>(scenario.vfs().inodes());
    inodes.removeIf(i -> goneInos.contains(i.ino()));
    for (int from = 0; from < inodes.size(); from += BATCH) {
      List<java.util.concurrent.CompletableFuture<LockManager.LocksSaved>> parts = new ArrayList<>();
      for (Inode inode : inodes.subList(from, Math.min(inodes.size(), from + BATCH))) {
        parts.add(AskPattern.<ShardingEnvelope<LockManager.Command>, LockManager.LocksSaved>ask(
            refs.inodes(), to -> new ShardingEnvelope<>(String.valueOf(inode.ino()), new LockManager.Save(to)),
            ASK, system.scheduler()).toCompletableFuture());
      }
      for (int i = 0; i < parts.size(); i++) {
        image.mergeFrom(answer(parts.get(i), tableOf(inodes.get(from + i))).part());
      }
    }
    List<io.leasecr.proto.image.Process> processes = new ArrayList<>();
    List<Scenario.ProcessDecl> decls = new ArrayList<>(scenario.processes());
    decls.removeIf(p -> gonePids.contains(p.pid()));
    for (int from = 0; from < decls.size(); from += BATCH) {
      List<java.util.concurrent.CompletableFuture<ProcessTable.ProcessesSaved>> parts = new ArrayList<>();
      for (Scenario.ProcessDecl p : decls.subList(from, Math.min(decls.size(), from + BATCH))) {
        parts.add(AskPattern.<ShardingEnvelope<ProcessTable.Command>, ProcessTable.ProcessesSaved>ask(
            refs.processes(), to -> new ShardingEnvelope<>(String.valueOf(p.pid()), new ProcessTable.Save(to)),
            ASK, system.scheduler()).toCompletableFuture());
      }
      for (int i = 0; i < parts.size(); i++) {
        processes.addAll(answer(parts.get(i), processOf(decls.get(from + i))).processes());
      }
    }
    return image.setMagic(ImageCodec.MAGIC).setId(id).setTakenAtMs(takenAtMs).setScenario(scenario.name())
        .addAllProcesses(processes).build();
  }

  /**
   * Brings {@code chosen} back from the image. The lease tables of the files the chosen processes had
   * open get their entries back first, merged into the live tables (live users of those files keep
   * theirs; a restored lease or lock that conflicts is refused, as F_SETLEASE/F_SETLK would); a call a
   * process was blocked in is retried by the process itself (-ERESTARTSYS), against the live table.
   * Each node gets its share as a few batches ({@link #restoreBatched}); if no node lists a restore fan-out,
   * entity by entity from here.
   */
  void restore(CheckpointImage image, List<io.leasecr.proto.image.Process> chosen, String policy, boolean criu)
      throws InterruptedException {
    phases.clear();
    long t0 = System.currentTimeMillis();
    Prepared ready = prepared;
    prepared = null;
    RestoreSlices slices = ready != null && ready.image() == image && ready.chosen() == chosen ? ready.slices()
        : new RestoreSlices(image, chosen);
    phase(ready != null && ready.slices() == slices ? "image indexed before the removal" : "image indexed", t0);
    if (ready != null && ready.slices() != slices) {
      firstHolders.remove(ready.slices());
    }
    restoredInos.addAll(slices.inodes());
    long t1 = System.currentTimeMillis();
    Map<String, ActorRef<RestoreBatches.Command>> fanOuts = fanOuts();
    phase("fan-outs found", t1);
    if (!fanOuts.isEmpty()) {
      try {
        restoreBatched(slices, chosen, policy, criu, fanOuts);
      } finally {
        firstHolders.remove(slices);
      }
      return;
    }
    long t = System.currentTimeMillis();
    // each table hears only of the restored processes it had entries for: thousands of restored pids
    // sent to thousands of tables would be quadratic (their previous incarnations were already
    // dropped by death-watch when their node was removed). Restores go in paced batches (thousands of
    // tells at once overflow Artery's send queue, which drops what does not fit without a word); a batch
    // whose tables do not answer gets its Restores again.
    List<Long> tables = new ArrayList<>(slices.inodes());
    for (int round = 0; round < 3 && !tables.isEmpty(); round++) {
      tables = restoreTables(tables, slices, policy, criu);
    }
    t = phase("lease tables restored", t);
    if (!slices.inodes().isEmpty()) {
      Thread.sleep(200); // the tables first: a restored process's first call must find its files
    }
    Map<Integer, ProcessTable.Command> starts = new java.util.LinkedHashMap<>();
    for (io.leasecr.proto.image.Process p : chosen) {
      // each Restore carries only the files this process has open
      starts.put(p.getSpec().getPid(), new ProcessTable.Restore(List.of(p), slices.filesOf(p)));
    }
    t = phase("processes' images", t);
    List<Integer> missing = ensureRunningAll(starts);
    phase("processes started and confirmed", t);
    if (!missing.isEmpty()) {
      throw new DrillFailure(missing.size() + " processes could not be restored, e.g. pid " + missing.get(0));
    }
  }

  /** An image indexed for a restart before the restart begins. */
  private record Prepared(CheckpointImage image, List<io.leasecr.proto.image.Process> chosen, RestoreSlices slices) {}

  private volatile Prepared prepared;

  /**
   * Indexes {@code image} for a restore of {@code chosen} now (the drill does it while the resolver decides: 0.3-0.7
   * s of a 100k drill's driver once the removal was seen); {@link #restore} of the same image and list uses it.
   */
  void prepare(CheckpointImage image, List<io.leasecr.proto.image.Process> chosen) {
    RestoreSlices slices = new RestoreSlices(image, chosen);
    firstHolders.put(slices, firstHolders(slices, chosen));
    prepared = new Prepared(image, chosen, slices);
  }

  /** Each inode's first chosen holder, by the slices it was found with (prepared ones: while the resolver decides). */
  private final Map<RestoreSlices, Map<Long, io.leasecr.proto.image.Process>> firstHolders =
      java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

  /** The first of {@code chosen} that has each inode open (0.36 s for 33k processes, once on a loaded machine). */
  private static Map<Long, io.leasecr.proto.image.Process> firstHolders(RestoreSlices slices,
      List<io.leasecr.proto.image.Process> chosen) {
    Map<Long, io.leasecr.proto.image.Process> firstHolder = new java.util.HashMap<>();
    for (io.leasecr.proto.image.Process p : chosen) {
      for (io.leasecr.proto.image.OpenFile f : slices.filesOf(p)) {
        firstHolder.putIfAbsent(f.getIno(), p);
      }
    }
    return firstHolder;
  }

  /** How many tables or processes one batch to a node carries (a 100k drill's batch image: about 0.2 MB). */
  static final int BATCH_ENTITIES = 2500;
  /** How many batches a node has unanswered at once: one being fanned out, one on its way. */
  static final int BATCHES_PER_NODE = 2;
  /** How long the driver waits for the next answer of any node before it counts the batches out as lost. */
  private static final Duration BATCH_ANSWER = Duration.ofSeconds(30);

  /**
   * The restart as batches per node: the lease tables (each batch to the node its table lives on, or else the
   * node its first process is restarted on) and the processes (each batch to the node sharding puts it on: its
   * first live candidate), a node's process batches as soon as the tables their processes have open are
   * confirmed ({@link RestartPlan}). A table a node could not confirm is sent again, up to three sends in all; a
   * process is asked on its own first, then started again only if its entity runs nothing, as
   * {@link #ensureRunningAll} does.
   */
  private void restoreBatched(RestoreSlices slices, List<io.leasecr.proto.image.Process> chosen, String policy,
      boolean criu, Map<String, ActorRef<RestoreBatches.Command>> fanOuts) throws InterruptedException {
    long t = System.currentTimeMillis();
    Map<Long, String> tableNode = new java.util.LinkedHashMap<>();
    Map<Long, io.leasecr.proto.image.Process> firstHolder = firstHolders.get(slices);
    if (firstHolder == null) {
      firstHolder = firstHolders(slices, chosen);
    }
    for (long ino : slices.inodes()) {
      io.leasecr.proto.image.Process holder = firstHolder.get(ino);
      String node = firstListed(drill.candidates(ino), fanOuts);
      if (node == null && holder != null) {
        node = firstListed(drill.candidates(holder.getSpec().getPid()), fanOuts);
      }
      tableNode.put(ino, node != null ? node : fanOuts.keySet().iterator().next());
    }
    t = phase("tables placed", t);
    Map<Integer, io.leasecr.proto.image.Process> byPid = new java.util.LinkedHashMap<>();
    chosen.forEach(p -> byPid.put(p.getSpec().getPid(), p));
    running.removeAll(byPid.keySet());
    RestartPlan plan = new RestartPlan(tableNode, chosen, p -> processNode(p, fanOuts), slices::inosOf,
        chosen.stream().anyMatch(io.leasecr.proto.image.Process::hasPending), BATCH_ENTITIES);
    runPlan(plan, slices, policy, criu, fanOuts, answerMs(tableNode.size()), answerMs(byPid.size()));
    long settled = plan.tablesSettledAt() > 0 ? plan.tablesSettledAt() : System.currentTimeMillis();
    phases.merge("lease tables restored in batches", settled - t, Long::sum);
    t = settled;
    if (!plan.gaveUp().isEmpty()) {
      // as the entity-by-entity path: the processes go on (a table that never confirmed shows in the invariants)
      BATCH_LOG.warn("{} lease tables did not confirm their restore after {} sends, e.g. ino {}; the processes "
          + "are restored all the same", plan.gaveUp().size(), RestartPlan.MAX_SENDS, plan.gaveUp().get(0));
    }
    long deadline = System.currentTimeMillis() + 20_000 + 2L * byPid.size();
    Duration wait = byPid.size() == 1 ? Duration.ofSeconds(1) : Duration.ofSeconds(4);
    List<Integer> todo = new ArrayList<>(byPid.keySet());
    List<Integer> toStart = List.of(); // the first round's starts went with the tables, above
    int round = 0;
    while (!todo.isEmpty() && System.currentTimeMillis() < deadline) {
      if (!toStart.isEmpty()) {
        runPlan(new RestartPlan(Map.of(), toStart.stream().map(byPid::get).toList(), p -> processNode(p, fanOuts),
            p -> Set.of(), false, BATCH_ENTITIES), slices, policy, criu, fanOuts, 0, answerMs(toStart.size()));
      }
      List<Integer> left = new ArrayList<>(todo);
      left.removeIf(running::contains);
      toStart = askNotSeenRunning(left, wait);
      t = phase(round++ == 0 ? "processes started and confirmed in batches" : "pids asked again", t);
      todo = left;
      if (!todo.isEmpty()) {
        Thread.sleep(200);
      }
    }
    if (!todo.isEmpty()) {
      throw new DrillFailure(todo.size() + " processes could not be restored, e.g. pid " + todo.get(0));
    }
  }

  /** A process's node: its first candidate with a fan-out, or else the first fan-out. */
  private String processNode(io.leasecr.proto.image.Process p, Map<String, ActorRef<RestoreBatches.Command>> fanOuts) {
    String node = firstListed(drill.candidates(p.getSpec().getPid()), fanOuts);
    return node != null ? node : fanOuts.keySet().iterator().next();
  }

  /**
   * Sends {@code plan}'s batches as it makes them ready, and tells it what each table batch confirmed; the
   * answer times are by the size of the whole restart ({@link #answerMs}).
   */
  private void runPlan(RestartPlan plan, RestoreSlices slices, String policy, boolean criu,
      Map<String, ActorRef<RestoreBatches.Command>> fanOuts, int tableAnswerMs, int processAnswerMs)
      throws InterruptedException {
    runBatches(fanOuts, plan.nodes(), node -> {
      RestartPlan.Part part = plan.next(node);
      if (part instanceof RestartPlan.Tables tables) {
        return new RestoreBatches.Batch(batchIds.incrementAndGet(), RestoreBatches.Stage.TABLES,
            slices.tableBatch(tables.inos()).toByteString(), tables.inos(), List.of(), policy, criu,
            tableAnswerMs, batchAnswers());
      }
      return part instanceof RestartPlan.Processes ps ? new RestoreBatches.Batch(batchIds.incrementAndGet(),
          RestoreBatches.Stage.PROCESSES, slices.processBatch(ps.processes()).toByteString(), List.of(),
          ps.processes().stream().map(p -> p.getSpec().getPid()).toList(), "", false, processAnswerMs,
          batchAnswers()) : null;
    }, (b, d) -> {
      if (b.stage() == RestoreBatches.Stage.TABLES) {
        plan.tablesAnswered(b.inos(), d == null ? List.of() : d.restoredInos());
      } else if (d != null) {
        running.addAll(d.running());
      }
    });
  }

  /**
   * How long each entity has to confirm on the node: a restart of one or a few is retried sooner (a start lost
   * to a shard's old home is found by the driver's own ask and sent again), thousands queue behind each other.
   */
  private static int answerMs(int entities) {
    return entities <= 10 ? 1000 : 8000;
  }

  /** The first of {@code candidates} whose node is up with a restore fan-out, or null. */
  private static String firstListed(List<String> candidates, Map<String, ActorRef<RestoreBatches.Command>> fanOuts) {
    for (String c : candidates) {
      if (fanOuts.containsKey(c)) {
        return c;
      }
    }
    return null;
  }

  private final java.util.concurrent.atomic.AtomicLong batchIds = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.BlockingQueue<RestoreBatches.Done> batchDone =
      new java.util.concurrent.LinkedBlockingQueue<>();
  private ActorRef<RestoreBatches.Done> batchAnswers;

  /** The driver's one actor that hears the nodes' answers to batches. */
  private synchronized ActorRef<RestoreBatches.Done> batchAnswers() {
    if (batchAnswers == null) {
      batchAnswers = system.systemActorOf(org.apache.pekko.actor.typed.javadsl.Behaviors.<RestoreBatches.Done>
          receiveMessage(d -> {
            batchDone.add(d);
            return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
          }), "drill-restore-batches", org.apache.pekko.actor.typed.Props.empty());
    }
    return batchAnswers;
  }

  /**
   * Sends each node the batches {@code next} gives it (null: none ready for that node now), at most
   * {@link #BATCHES_PER_NODE} unanswered per node, each node's first before any node's second, and hands each
   * answer to {@code answered} with its batch; after each answer every node is offered more (an answer may make
   * another node's batch ready). Each batch's image is cut when it is sent, not all before the first goes (14
   * table batches of a 100k drill took the driver 0.6-1.9 s to cut, while the nodes waited). Batches still
   * unanswered when no answer came for {@link #BATCH_ANSWER} are handed over as lost (a null answer: the caller
   * sends their entities again; a late answer is ignored). Ends when nothing is out and no node has a batch
   * ready. A refused batch is a failure of the drill, in the node's words.
   */
  private void runBatches(Map<String, ActorRef<RestoreBatches.Command>> fanOuts, Set<String> nodes,
      java.util.function.Function<String, RestoreBatches.Batch> next,
      java.util.function.BiConsumer<RestoreBatches.Batch, RestoreBatches.Done> answered) throws InterruptedException {
    batchDone.clear();
    Map<Long, Sent> out = new java.util.HashMap<>();
    Runnable fill = () -> {
      for (int i = 0; i < BATCHES_PER_NODE; i++) {
        for (String node : nodes) {
          if (out.values().stream().filter(o -> o.node().equals(node)).count() <= i) {
            RestoreBatches.Batch b = next.apply(node);
            if (b != null) {
              out.put(b.batch(), new Sent(b, node, System.currentTimeMillis()));
              fanOuts.get(node).tell(b);
            }
          }
        }
      }
    };
    fill.run();
    while (!out.isEmpty()) {
      RestoreBatches.Done d = batchDone.poll(BATCH_ANSWER.toMillis(), TimeUnit.MILLISECONDS);
      if (d == null) {
        List<Sent> lost = new ArrayList<>(out.values());
        system.log().warn("restore: {} batches unanswered for {} s (on {}): their entities are sent again",
            lost.size(), BATCH_ANSWER.toSeconds(), new java.util.TreeSet<>(lost.stream().map(Sent::node).toList()));
        out.clear();
        lost.forEach(o -> answered.accept(o.batch(), null));
        fill.run();
        continue;
      }
      Sent sent = out.remove(d.batch());
      if (sent == null) {
        continue; // an answer to a batch given up on as lost
      }
      if (!d.refused().isEmpty()) {
        throw new DrillFailure(d.refused());
      }
      RestoreBatches.Batch b = sent.batch();
      int asked = b.inos().size() + b.pids().size();
      int answeredFor = d.restoredInos().size() + d.running().size() + d.notRunning().size();
      String line = String.format(java.util.Locale.ROOT, "restore batch %d (%s, %d) on %s answered after %d ms "
          + "(%d ms on the node, %d of them waiting for a removal): %d confirmed, %d run no process, %d did not "
          + "answer within %d ms", d.batch(), b.stage(), asked, sent.node(), System.currentTimeMillis() - sent.atMs(),
          d.nodeMs(), d.waitedMs(), d.restoredInos().size() + d.running().size(), d.notRunning().size(),
          asked - answeredFor, b.answerMs());
      if (answeredFor < asked) {
        BATCH_LOG.warn(line);
      } else {
        BATCH_LOG.info(line);
      }
      answered.accept(b, d);
      fill.run();
    }
  }

  /** A batch out to a node's fan-out, since wall ms {@code atMs}. */
  private record Sent(RestoreBatches.Batch batch, String node, long atMs) {}

  /** Each batch's answer, in the driver's log (driver.log), not on the console. */
  private static final org.slf4j.Logger BATCH_LOG = org.slf4j.LoggerFactory.getLogger("io.leasecr.drill.restore");

  /**
   * The restore fan-outs of the drill's nodes that are up and reachable, by node name (empty: none listed, the
   * restart goes entity by entity).
   */
  private Map<String, ActorRef<RestoreBatches.Command>> fanOuts() {
    Map<String, ActorRef<RestoreBatches.Command>> found = new java.util.LinkedHashMap<>();
    org.apache.pekko.cluster.Cluster cluster = org.apache.pekko.cluster.Cluster.get(system.classicSystem());
    List<String> names = new ArrayList<>(drill.nodes());
    names.addAll(drill.spares());
    for (String node : names) {
      org.apache.pekko.cluster.Member member = null;
      for (org.apache.pekko.cluster.Member m : cluster.state().getMembers()) {
        if (m.getRoles().contains(node)) {
          member = m;
        }
      }
      if (member == null || member.status() != org.apache.pekko.cluster.MemberStatus.up()
          || cluster.state().getUnreachable().contains(member)) {
        continue;
      }
      ServiceKey<RestoreBatches.Command> key = RestoreBatches.key(node);
      try {
        Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
            to -> Receptionist.find(key, to), ASK, system.scheduler()).toCompletableFuture()
            .get(ASK.toMillis() + 500, TimeUnit.MILLISECONDS);
        for (ActorRef<RestoreBatches.Command> r : listing.getServiceInstances(key)) {
          if (r.path().address().equals(member.address())) {
            found.put(node, r);
          }
        }
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        // not listed: its share goes to another node's fan-out
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Map.of();
      }
    }
    return found;
  }

  /** The last restore's phases, in order: what, wall ms. */
  final Map<String, Long> phases = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>());

  private long phase(String what, long since) {
    long now = System.currentTimeMillis();
    phases.merge(what, now - since, Long::sum);
    return now;
  }

  /** The last restore's phases, for the drill's line: "lease tables sent 1.2 s, ...". */
  String phasesText() {
    synchronized (phases) {
      return phases.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + " ms")
          .collect(java.util.stream.Collectors.joining(", "));
    }
  }

  /**
   * Starts each pid with its command (Spawn or Restore) and waits until it answers that it runs. Each start is
   * followed at once by an empty Save, which the entity answers after the start (its mailbox is in order) with
   * the process's state, or with nothing if it runs no process. The answers all go to one actor of the driver
   * ({@link #confirmations}): an ask per pid has a temporary address of its own, which every node resolves anew
   * (most of a node's work while it confirmed 33k restores). At most {@link #BATCH} are unanswered at once, a
   * new start going out as each answer comes (a sliding window). Right after a node is removed a message may
   * still be routed to the shard's old home and be lost: a pid not seen running gets its start again in the
   * next round. Returns the pids that did not come up before the deadline (20 s plus 2 ms a pid).
   */
  List<Integer> ensureRunningAll(Map<Integer, ProcessTable.Command> starts) throws InterruptedException {
    // a single pid is waited for less long: a restart of one process retries its route sooner
    Duration wait = starts.size() == 1 ? Duration.ofSeconds(1) : Duration.ofSeconds(4);
    long deadline = System.currentTimeMillis() + 20_000 + 2L * starts.size();
    List<Integer> todo = new ArrayList<>(starts.keySet());
    running.removeAll(todo);
    long t = System.currentTimeMillis();
    int round = 0;
    List<Integer> toStart = todo;
    while (!todo.isEmpty() && System.currentTimeMillis() < deadline) {
      if (!toStart.isEmpty()) {
        startAndConfirm(toStart, starts, wait);
      }
      List<Integer> left = new ArrayList<>(todo);
      left.removeIf(running::contains);
      toStart = askNotSeenRunning(left, wait);
      if (round++ > 0) {
        phase("pids asked again", t);
      }
      t = System.currentTimeMillis();
      todo = left;
      if (!todo.isEmpty()) {
        Thread.sleep(200);
      }
    }
    return todo;
  }

  private static final int RUNS = 1;
  private static final int DOES_NOT_RUN = 0;
  private static final int NO_ANSWER = -1;

  /**
   * The pids not seen running are asked (an ask each: few by now) before any start goes again: one whose start is
   * merely slow (a shard still being allocated after a removal) must not be restored twice; one whose entity
   * answers that it runs no process lost its start, and gets it again. Removes from {@code left} those that run;
   * returns those to start again (a pid with no answer stays in {@code left}, asked next round).
   */
  private List<Integer> askNotSeenRunning(List<Integer> left, Duration wait) throws InterruptedException {
    List<Integer> toStart = new ArrayList<>();
    if (!left.isEmpty()) {
      Map<Integer, Integer> state = probe(left, wait);
      left.removeIf(pid -> state.get(pid) == RUNS);
      for (Integer pid : left) {
        if (state.get(pid) == DOES_NOT_RUN) {
          toStart.add(pid);
        }
      }
    }
    return toStart;
  }

  /** Asks each pid whether it runs, at most {@link #BATCH} at once: {@link #RUNS}, {@link #DOES_NOT_RUN} or {@link #NO_ANSWER}. */
  private Map<Integer, Integer> probe(List<Integer> pids, Duration ask) throws InterruptedException {
    Map<Integer, Integer> state = new java.util.concurrent.ConcurrentHashMap<>();
    pids.forEach(pid -> state.put(pid, NO_ANSWER));
    java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(BATCH);
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(pids.size());
    for (Integer pid : pids) {
      window.acquire();
      AskPattern.<ShardingEnvelope<ProcessTable.Command>, ProcessTable.ProcessesSaved>ask(
          refs.processes(), to -> new ShardingEnvelope<>(String.valueOf(pid), new ProcessTable.Save(to)),
          ask, system.scheduler()).whenComplete((s, e) -> {
            if (e == null && s != null) {
              state.put(pid, s.processes().isEmpty() ? DOES_NOT_RUN : RUNS);
              if (!s.processes().isEmpty()) {
                running.add(pid);
              }
            }
            window.release();
            done.countDown();
          });
    }
    done.await(ask.toMillis() + 5000, TimeUnit.MILLISECONDS); // a guard: every ask ends by its own timeout
    return state;
  }

  /** The pids that answered that they run; {@link #answers}: one permit per answer of any kind. */
  private final Set<Integer> running = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.Semaphore answers = new java.util.concurrent.Semaphore(0);
  private org.apache.pekko.actor.typed.ActorRef<ProcessTable.ProcessesSaved> confirmations;

  /** The driver's one actor that hears whether a pid runs (the answers to the empty Saves). */
  private synchronized org.apache.pekko.actor.typed.ActorRef<ProcessTable.ProcessesSaved> confirmations() {
    if (confirmations == null) {
      confirmations = system.systemActorOf(org.apache.pekko.actor.typed.javadsl.Behaviors.<ProcessTable.ProcessesSaved>
          receiveMessage(s -> {
            s.processes().forEach(p -> running.add(p.getSpec().getPid()));
            answers.release();
            return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
          }), "drill-confirmations", org.apache.pekko.actor.typed.Props.empty());
    }
    return confirmations;
  }

  /**
   * Sends each pid its start and an empty Save answered to {@link #confirmations}, with at most {@link #BATCH}
   * unanswered; then waits for the rest, until {@code wait} passes without an answer.
   */
  private void startAndConfirm(List<Integer> pids, Map<Integer, ProcessTable.Command> starts, Duration wait)
      throws InterruptedException {
    org.apache.pekko.actor.typed.ActorRef<ProcessTable.ProcessesSaved> to = confirmations();
    answers.drainPermits();
    int unanswered = 0;
    for (Integer pid : pids) {
      while (unanswered >= BATCH) {
        if (answers.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
          unanswered--;
        } else {
          unanswered = 0; // answers lost (their starts too, likely): counted in the next round
        }
      }
      toProcess(pid, starts.get(pid));
      toProcess(pid, new ProcessTable.Save(to));
      unanswered++;
    }
    while (unanswered > 0 && answers.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
      unanswered--;
    }
  }


  /**
   * Sends each table its slice, in batches of {@link #BATCH}; after each batch, the batch's last table on each
   * node is asked for its lines (an ask costs the node more than a tell: the asker's temporary address is
   * resolved anew each time). Its answer means the batch has left the driver (one association per node, in
   * order), so the send queue never holds more than a batch or two; with 2 of them in flight a batch is sent
   * while the one before is on its way. Returns the tables of batches whose asks were not answered: sent again.
   */
  private List<Long> restoreTables(List<Long> inos, RestoreSlices slices, String policy, boolean criu)
      throws InterruptedException {
    List<Long> left = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(2);
    for (int from = 0; from < inos.size(); from += BATCH) {
      List<Long> batch = inos.subList(from, Math.min(inos.size(), from + BATCH));
      window.acquire();
      Map<String, Long> lastOnNode = new java.util.LinkedHashMap<>();
      for (long ino : batch) {
        CheckpointImage part = slices.of(ino);
        toInode(ino, new LockManager.Restore(part, part.getProcessesList().stream().map(p -> p.getSpec().getPid())
            .toList(), policy, criu));
        List<String> on = drill.candidates(ino);
        lastOnNode.put(on.isEmpty() ? "" : String.join(">", on), ino);
      }
      List<java.util.concurrent.CompletableFuture<LockManager.LocksReport>> asks = new ArrayList<>();
      for (long ino : lastOnNode.values()) {
        asks.add(AskPattern.<ShardingEnvelope<LockManager.Command>, LockManager.LocksReport>ask(refs.inodes(),
            to -> new ShardingEnvelope<>(String.valueOf(ino), new LockManager.ShowLocks(to)), Duration.ofSeconds(8),
            system.scheduler()).toCompletableFuture());
      }
      java.util.concurrent.CompletableFuture.allOf(asks.toArray(new java.util.concurrent.CompletableFuture[0]))
          .whenComplete((v, e) -> {
            if (e != null) {
              left.addAll(batch);
            }
            window.release();
          });
    }
    window.acquire(2); // every batch answered (or timed out)
    window.release(2);
    return new ArrayList<>(left);
  }
}
