package io.leasecr.node.drill;

import io.leasecr.core.checkpoint.ImageCodec;
import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.kernel.ProcessActor;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.node.cluster.EmulatorSharding;
import io.leasecr.node.drillfile.Drill;
import io.leasecr.proto.image.CheckpointImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
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
   */
  void restore(CheckpointImage image, List<io.leasecr.proto.image.Process> chosen, String policy, boolean criu)
      throws InterruptedException {
    Slices slices = new Slices(image, chosen);
    restoredInos.addAll(slices.inodes());
    for (long ino : slices.inodes()) {
      // each table hears only of the restored processes it had entries for: thousands of restored pids
      // sent to thousands of tables would be quadratic (their previous incarnations were already
      // dropped by death-watch when their node was removed)
      CheckpointImage part = slices.of(ino);
      toInode(ino, new LockManager.Restore(part, part.getProcessesList().stream().map(p -> p.getSpec().getPid()).toList(),
          policy, criu));
    }
    if (!slices.inodes().isEmpty()) {
      Thread.sleep(200); // the tables first: a restored process's first call must find its files
    }
    Map<Integer, ProcessTable.Command> starts = new java.util.LinkedHashMap<>();
    for (io.leasecr.proto.image.Process p : chosen) {
      // each Restore carries only the files this process has open
      starts.put(p.getSpec().getPid(), new ProcessTable.Restore(List.of(p), slices.filesOf(p)));
    }
    List<Integer> missing = ensureRunningAll(starts);
    if (!missing.isEmpty()) {
      throw new DrillFailure(missing.size() + " processes could not be restored, e.g. pid " + missing.get(0));
    }
  }

  /**
   * The parts of an image each inode's table needs: its open files, their leases and locks, and the chosen
   * processes that have it open or are blocked in a call (so a restore message stays small with many
   * files), indexed once for the whole restart.
   */
  private static final class Slices {
    private final CheckpointImage image;
    private final Map<Long, io.leasecr.proto.image.OpenFile> files = new java.util.HashMap<>();
    private final Map<Long, List<io.leasecr.proto.image.OpenFile>> filesOfIno = new java.util.HashMap<>();
    private final Map<Long, List<io.leasecr.proto.image.Lease>> leasesOfIno = new java.util.HashMap<>();
    private final Map<Long, List<io.leasecr.proto.image.PosixLock>> locksOfIno = new java.util.HashMap<>();
    private final Map<Long, List<io.leasecr.proto.image.FlockLock>> flocksOfIno = new java.util.HashMap<>();
    private final Map<Long, List<io.leasecr.proto.image.OfdLock>> ofdLocksOfIno = new java.util.HashMap<>();
    private final Map<Long, Set<io.leasecr.proto.image.Process>> holders = new java.util.LinkedHashMap<>();
    private final List<io.leasecr.proto.image.Process> chosen;

    Slices(CheckpointImage image, List<io.leasecr.proto.image.Process> chosen) {
      this.image = image;
      this.chosen = chosen;
      for (io.leasecr.proto.image.OpenFile f : image.getFilesList()) {
        files.put(f.getId(), f);
        filesOfIno.computeIfAbsent(f.getIno(), k -> new ArrayList<>()).add(f);
      }
      for (io.leasecr.proto.image.Lease l : image.getLeasesList()) {
        io.leasecr.proto.image.OpenFile f = files.get(l.getFileId());
        if (f != null) {
          leasesOfIno.computeIfAbsent(f.getIno(), k -> new ArrayList<>()).add(l);
        }
      }
      image.getPosixLocksList().forEach(l -> locksOfIno.computeIfAbsent(l.getIno(), k -> new ArrayList<>()).add(l));
      image.getFlockLocksList().forEach(l -> flocksOfIno.computeIfAbsent(l.getIno(), k -> new ArrayList<>()).add(l));
      image.getOfdLocksList().forEach(l -> ofdLocksOfIno.computeIfAbsent(l.getIno(), k -> new ArrayList<>()).add(l));
      for (io.leasecr.proto.image.Process p : chosen) {
        for (long id : p.getFdsMap().values()) {
          io.leasecr.proto.image.OpenFile f = files.get(id);
          if (f != null) {
            holders.computeIfAbsent(f.getIno(), k -> new java.util.LinkedHashSet<>()).add(p);
          }
        }
      }
    }

    /** The inodes the chosen processes had open. */
    Set<Long> inodes() {
      return holders.keySet();
    }

    CheckpointImage of(long ino) {
      CheckpointImage.Builder b = image.toBuilder().clearProcesses().clearFiles().clearLeases().clearPosixLocks()
          .addAllFiles(filesOfIno.getOrDefault(ino, List.of())).addAllLeases(leasesOfIno.getOrDefault(ino, List.of()))
          .addAllPosixLocks(locksOfIno.getOrDefault(ino, List.of()))
          .clearFlockLocks().addAllFlockLocks(flocksOfIno.getOrDefault(ino, List.of()))
          .clearOfdLocks().addAllOfdLocks(ofdLocksOfIno.getOrDefault(ino, List.of()));
      Set<io.leasecr.proto.image.Process> mine = holders.getOrDefault(ino, Set.of());
      chosen.stream().filter(p -> p.hasPending() || mine.contains(p)).forEach(b::addProcesses);
      return b.build();
    }

    List<io.leasecr.proto.image.OpenFile> filesOf(io.leasecr.proto.image.Process p) {
      return new java.util.TreeSet<>(p.getFdsMap().values()).stream().map(files::get).filter(java.util.Objects::nonNull)
          .toList();
    }
  }

  /**
   * Starts each pid with its command (Spawn or Restore) and waits until it answers that it runs. Right
   * after a node is removed, a message may still be routed to the shard's old home and be lost, so every
   * route is probed first (an empty Save, which only answers once the pid's entity is reachable; in
   * parallel batches of {@link #BATCH}), each start is sent once, then the pids are polled until all run,
   * the start re-sent to the missing ones every 8 s. Returns the pids that did not come up before the
   * deadline (20 s plus 2 ms a pid).
   */
  List<Integer> ensureRunningAll(Map<Integer, ProcessTable.Command> starts) throws InterruptedException {
    // a single pid is probed with shorter asks: a restart of one process retries its route sooner
    Duration ask = starts.size() == 1 ? Duration.ofSeconds(1) : Duration.ofSeconds(2);
    long deadline = System.currentTimeMillis() + 20_000 + 2L * starts.size();
    List<Integer> todo = new ArrayList<>(starts.keySet());
    while (!todo.isEmpty()) { // the routes
      todo = probe(todo, false, ask);
      if (System.currentTimeMillis() > deadline) {
        return todo;
      }
    }
    todo = new ArrayList<>(starts.keySet());
    long resendAt = 0;
    while (!todo.isEmpty() && System.currentTimeMillis() < deadline) {
      if (System.currentTimeMillis() >= resendAt) {
        for (Integer pid : todo) {
          toProcess(pid, starts.get(pid));
        }
        resendAt = System.currentTimeMillis() + 8000;
      }
      todo = probe(todo, true, ask);
      if (!todo.isEmpty()) {
        Thread.sleep(50);
      }
    }
    return todo;
  }

  /** The pids among {@code pids} that did not answer (or, with {@code running}, do not run yet). */
  private List<Integer> probe(List<Integer> pids, boolean running, Duration ask) throws InterruptedException {
    List<Integer> left = new ArrayList<>();
    for (int from = 0; from < pids.size(); from += BATCH) {
      List<Integer> batch = pids.subList(from, Math.min(pids.size(), from + BATCH));
      List<java.util.concurrent.CompletableFuture<ProcessTable.ProcessesSaved>> asks = new ArrayList<>();
      for (Integer pid : batch) {
        asks.add(AskPattern.<ShardingEnvelope<ProcessTable.Command>, ProcessTable.ProcessesSaved>ask(
            refs.processes(), to -> new ShardingEnvelope<>(String.valueOf(pid), new ProcessTable.Save(to)),
            ask, system.scheduler()).toCompletableFuture());
      }
      for (int i = 0; i < batch.size(); i++) {
        ProcessTable.ProcessesSaved s;
        try {
          s = asks.get(i).get(ask.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          s = null;
        }
        if (s == null || running && s.processes().isEmpty()) {
          left.add(batch.get(i));
        }
      }
    }
    return left;
  }
}
