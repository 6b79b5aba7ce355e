package io.leasecr.node.drill;

import io.leasecr.core.checkpoint.ImageCodec;
import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.process.ProcessActor;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.node.cluster.EmulatorSharding;
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
 * through the sharding proxies, takes a checkpoint (every inode's lease table and every process's
 * state, asked entity by entity: a cut taken while time runs, not a frozen one), and restores chosen
 * processes from an image.
 */
final class ClusterTree {

  private static final Duration ASK = Duration.ofSeconds(5);

  private final ActorSystem<?> system;
  private final EmulatorSharding.Refs refs;
  private final Scenario scenario;

  ClusterTree(ActorSystem<?> system, EmulatorSharding.Refs refs, Scenario scenario) {
    this.system = system;
    this.refs = refs;
    this.scenario = scenario;
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
      LockManager.LocksReport r = AskPattern.<ShardingEnvelope<LockManager.Command>, LockManager.LocksReport>ask(
          refs.inodes(), to -> new ShardingEnvelope<>(String.valueOf(inode.ino()), new LockManager.ShowLocks(to)),
          ASK, system.scheduler()).toCompletableFuture().get(ASK.toMillis() + 1000, TimeUnit.MILLISECONDS);
      lines.addAll(r.lines());
    }
    return lines;
  }

  /** Every inode's lease table and every declared process's state, as one image. */
  CheckpointImage save(String id, long takenAtMs) throws Exception {
    CheckpointImage.Builder image = CheckpointImage.newBuilder();
    for (Inode inode : scenario.vfs().inodes()) {
      LockManager.LocksSaved part = AskPattern.<ShardingEnvelope<LockManager.Command>, LockManager.LocksSaved>ask(
          refs.inodes(), to -> new ShardingEnvelope<>(String.valueOf(inode.ino()), new LockManager.Save(to)),
          ASK, system.scheduler()).toCompletableFuture().get(ASK.toMillis() + 1000, TimeUnit.MILLISECONDS);
      image.mergeFrom(part.part());
    }
    List<io.leasecr.proto.image.Process> processes = new ArrayList<>();
    for (Scenario.ProcessDecl p : scenario.processes()) {
      ProcessTable.ProcessesSaved saved = AskPattern.<ShardingEnvelope<ProcessTable.Command>, ProcessTable.ProcessesSaved>ask(
          refs.processes(), to -> new ShardingEnvelope<>(String.valueOf(p.pid()), new ProcessTable.Save(to)),
          ASK, system.scheduler()).toCompletableFuture().get(ASK.toMillis() + 1000, TimeUnit.MILLISECONDS);
      processes.addAll(saved.processes());
    }
    return image.setMagic(ImageCodec.MAGIC).setId(id).setTakenAtMs(takenAtMs).setScenario(scenario.name())
        .addAllProcesses(processes).build();
  }

  /**
   * Brings {@code chosen} back from the image. The lease tables of the files the chosen processes had
   * open are restored first (for them only: whatever else used those files is dropped there); a call a
   * process was blocked in is retried by the process itself (-ERESTARTSYS), against the live table.
   */
  void restore(CheckpointImage image, List<io.leasecr.proto.image.Process> chosen, String policy, boolean criu)
      throws InterruptedException {
    Set<Long> held = new HashSet<>();
    List<Integer> pids = new ArrayList<>();
    Map<Long, Long> inoOf = new java.util.HashMap<>();
    image.getFilesList().forEach(f -> inoOf.put(f.getId(), f.getIno()));
    for (io.leasecr.proto.image.Process p : chosen) {
      pids.add(p.getSpec().getPid());
      p.getFdsMap().values().forEach(id -> held.add(inoOf.get(id)));
    }
    for (Long ino : held) {
      toInode(ino, new LockManager.Restore(image, pids, policy, criu));
    }
    if (!held.isEmpty()) {
      Thread.sleep(200); // the tables first: a restored process's first call must find its files
    }
    for (io.leasecr.proto.image.Process p : chosen) {
      if (!ensureRunning(p.getSpec().getPid(), new ProcessTable.Restore(List.of(p), image.getFilesList()))) {
        throw new IllegalStateException("pid " + p.getSpec().getPid() + " could not be restored within 20 s");
      }
    }
  }

  /**
   * Starts a pid with {@code start} (Spawn or Restore) and waits until it answers that it runs. Right
   * after a node is removed, a message may still be routed to the shard's old home and be lost, so the
   * route is probed first (an empty Save, which only answers once the pid's entity is reachable), and
   * {@code start} is sent once; again only if the process has not appeared 8 s later.
   */
  boolean ensureRunning(int pid, ProcessTable.Command start) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (saved(pid) == null) {
      if (System.currentTimeMillis() > deadline) {
        return false;
      }
    }
    long resendAt = 0;
    while (System.currentTimeMillis() < deadline) {
      if (System.currentTimeMillis() >= resendAt) {
        toProcess(pid, start);
        resendAt = System.currentTimeMillis() + 8000;
      }
      ProcessTable.ProcessesSaved s = saved(pid);
      if (s != null && !s.processes().isEmpty()) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  /** The pid's state, or null if its entity did not answer within a second. */
  private ProcessTable.ProcessesSaved saved(int pid) throws InterruptedException {
    try {
      return AskPattern.<ShardingEnvelope<ProcessTable.Command>, ProcessTable.ProcessesSaved>ask(
          refs.processes(), to -> new ShardingEnvelope<>(String.valueOf(pid), new ProcessTable.Save(to)),
          Duration.ofSeconds(1), system.scheduler()).toCompletableFuture().get(1500, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return null;
    }
  }
}
