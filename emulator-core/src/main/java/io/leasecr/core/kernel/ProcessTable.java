package io.leasecr.core.kernel;

import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.Errno;
import io.leasecr.core.process.Fd;
import io.leasecr.core.process.ProcessSpec;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceSink;
import io.leasecr.core.time.EmulatedTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The pid table: spawns process actors and routes commands to them by pid. Process actors are
 * all its children, not children of their emulated parent, because a Linux child outlives its
 * parent (it is re-parented) while a Pekko child would be stopped with it.
 */
public final class ProcessTable extends AbstractBehavior<ProcessTable.Command> {

  public sealed interface Command {}

  /** Start a process of the initial tree, with no open files. */
  public record Spawn(ProcessSpec spec) implements Command {}

  /**
   * Start a large initial tree (more than lease-cr.process.spawn-group processes), in order, with no open
   * files: in slices under {@link ProcessGroup}s. Sent by the run's own runner: local only.
   */
  public record SpawnAll(List<ProcessSpec> specs) implements Command, NoSerializationVerificationNeeded {}

  /** fork(2) in the parent: start the child with a copy of the parent's fd table. */
  /** A fork's child: the parent's fds, the leases it knows of, and its signal mask (pending signals stay behind). */
  public record Forked(ProcessSpec child, TreeMap<Integer, Fd> fds, TreeSet<Integer> leaseFds, long blockedSignals)
      implements Command {
    public Forked(ProcessSpec child, TreeMap<Integer, Fd> fds, TreeSet<Integer> leaseFds) {
      this(child, fds, leaseFds, 0);
    }
  }

  /** Route a command to a process by pid. */
  public record Deliver(int pid, ProcessActor.Command command) implements Command {}

  public record Exited(int pid) implements Command {}

  /**
   * Cluster mode: a command as sent by the node incarnation {@code origin} (stamped by that node's router),
   * refused by the process entity once the cluster has downed that incarnation.
   */
  public record FromNode(NodeIncarnation origin, Command command) implements Command {}

  /** Checkpoint: collect every process's state. */
  public record Save(ActorRef<ProcessesSaved> replyTo) implements Command {}

  public record ProcessesSaved(List<io.leasecr.proto.image.Process> processes) {}

  /** Restart: the current tree is gone; these processes come back from the image. */
  public record Restore(List<io.leasecr.proto.image.Process> processes, List<io.leasecr.proto.image.OpenFile> files)
      implements Command {}

  private record Collected(ProcessActor.Saved saved) implements Command, NoSerializationVerificationNeeded {}

  /** A slice of a large tree has started: its processes' actors, in the slice's order. */
  public record GroupStarted(int epoch, ActorRef<ProcessGroup.Command> group, int[] pids,
      List<ActorRef<ProcessActor.Command>> refs) implements Command, NoSerializationVerificationNeeded {}

  /**
   * lease-cr.process.spawn-group: a tree of more processes than this (the initial tree or a restored one) starts
   * in slices of this many under {@link ProcessGroup}s; 0: every process a child of the table itself.
   */
  public static int spawnGroup(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    com.typesafe.config.Config c = system.settings().config();
    return c.hasPath("lease-cr.process.spawn-group") ? c.getInt("lease-cr.process.spawn-group") : 0;
  }

  public static Behavior<Command> create(ActorRef<LockManager.Command> locks, TraceSink trace) {
    return Behaviors.setup(ctx -> new ProcessTable(ctx, locks, trace));
  }

  private final ProcessActor.Kernel kernel;
  private final Map<Integer, ActorRef<ProcessActor.Command>> byPid = new HashMap<>();
  /** The processes that are the table's own Pekko children (all of them unless a tree started in slices). */
  private final Map<Integer, ActorRef<ProcessActor.Command>> direct = new HashMap<>();
  private final int groupSize;
  /** This epoch's slices, and those whose actors the table does not know yet (with their pids). */
  private final List<ActorRef<ProcessGroup.Command>> groups = new ArrayList<>();
  private final Map<ActorRef<ProcessGroup.Command>, int[]> pendingGroups = new HashMap<>();
  /** Processes of pending slices that have not exited: they count as in the table. */
  private int pendingCount;
  private final java.util.Set<Integer> exitedPending = new java.util.HashSet<>();
  private ActorRef<ProcessesSaved> saveReplyTo;
  private List<io.leasecr.proto.image.Process> saving;
  private int epoch;

  private ProcessTable(ActorContext<Command> ctx, ActorRef<LockManager.Command> locks, TraceSink trace) {
    super(ctx);
    this.kernel = new ProcessActor.Kernel(locks, ctx.getSelf(), trace);
    this.groupSize = spawnGroup(ctx.getSystem());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Spawn.class, m -> start(m.spec(), new TreeMap<>(), null))
        .onMessage(SpawnAll.class, this::onSpawnAll)
        .onMessage(GroupStarted.class, this::onGroupStarted)
        .onMessage(Forked.class, m -> start(m.child(), m.fds(), m.leaseFds(), m.blockedSignals()))
        .onMessage(Deliver.class, this::onDeliver)
        .onMessage(Exited.class, this::onExited)
        .onMessage(Save.class, this::onSave)
        .onMessage(Collected.class, this::onCollected)
        .onMessage(Restore.class, this::onRestore)
        .onMessage(FromNode.class, m -> createReceive().receiveMessage(m.command())) // single node: no fence
        .build();
  }

  private Behavior<Command> start(ProcessSpec spec, TreeMap<Integer, Fd> fds, TreeSet<Integer> leaseFds) {
    return start(spec, fds, leaseFds, 0);
  }

  private Behavior<Command> start(ProcessSpec spec, TreeMap<Integer, Fd> fds, TreeSet<Integer> leaseFds,
      long blockedSignals) {
    if (byPid.containsKey(spec.pid())) {
      note(spec.pid(), spec.name(), "pid " + spec.pid() + " is already in use: process not started");
      return this;
    }
    return register(spec.pid(), getContext().spawn(ProcessActor.create(spec, fds, leaseFds, blockedSignals, kernel),
        name(spec.pid())));
  }

  private Behavior<Command> register(int pid, ActorRef<ProcessActor.Command> ref) {
    byPid.put(pid, ref);
    direct.put(pid, ref);
    kernel.locks().tell(new LockManager.Register(pid, ref));
    return this;
  }

  /** Actor names carry the restart epoch: a stopped process's name stays taken until it has terminated. */
  private String name(int pid) {
    return epoch == 0 ? "pid-" + pid : "pid-" + pid + "-r" + epoch;
  }

  private Behavior<Command> onSave(Save m) {
    saveReplyTo = m.replyTo();
    saving = new ArrayList<>(byPid.size() + pendingCount);
    if (byPid.isEmpty() && pendingCount == 0) {
      return finishSave();
    }
    ActorRef<ProcessActor.Saved> adapter = getContext().messageAdapter(ProcessActor.Saved.class, Collected::new);
    byPid.values().forEach(p -> p.tell(new ProcessActor.Save(adapter)));
    pendingGroups.keySet().forEach(g -> g.tell(new ProcessGroup.SaveAll(adapter))); // just started: ask through them
    return this;
  }

  private Behavior<Command> onCollected(Collected m) {
    saving.add(m.saved().image());
    return saving.size() == byPid.size() + pendingCount ? finishSave() : this;
  }

  private Behavior<Command> finishSave() {
    saving.sort(Comparator.comparingInt(p -> p.getSpec().getPid()));
    saveReplyTo.tell(new ProcessesSaved(List.copyOf(saving)));
    saving = null;
    return this;
  }

  private Behavior<Command> onRestore(Restore m) {
    // the old tree is gone, without exit(2): it crashed or was frozen
    direct.values().forEach(getContext()::stop);
    groups.forEach(getContext()::stop);
    byPid.clear();
    direct.clear();
    groups.clear();
    pendingGroups.clear();
    pendingCount = 0;
    exitedPending.clear();
    epoch++;
    Map<Long, Fd> files = new HashMap<>(m.files().size() * 4 / 3 + 1); // sized: no rehash at 1M files
    for (io.leasecr.proto.image.OpenFile f : m.files()) {
      files.put(f.getId(), new Fd(f.getIno(), f.getId(), f.getPath(), AccessMode.valueOf(f.getMode().name()),
          f.getNonblock(), !f.getNotRegular()));
    }
    if (grouped(m.processes().size())) {
      List<ProcessGroup.Member> members = new ArrayList<>(m.processes().size());
      for (io.leasecr.proto.image.Process p : m.processes()) {
        int pid = p.getSpec().getPid();
        members.add(new ProcessGroup.Member(pid, name(pid), ProcessActor.restored(p, files, kernel)));
      }
      return startGroups(members);
    }
    for (io.leasecr.proto.image.Process p : m.processes()) {
      int pid = p.getSpec().getPid();
      register(pid, getContext().spawn(ProcessActor.restored(p, files, kernel), name(pid)));
    }
    return this;
  }

  private boolean grouped(int processes) {
    return groupSize > 0 && processes > groupSize;
  }

  private Behavior<Command> onSpawnAll(SpawnAll m) {
    if (!grouped(m.specs().size())) {
      m.specs().forEach(spec -> start(spec, new TreeMap<>(), null));
      return this;
    }
    List<ProcessGroup.Member> members = new ArrayList<>(m.specs().size());
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    for (ProcessSpec spec : m.specs()) {
      if (byPid.containsKey(spec.pid()) || !seen.add(spec.pid())) {
        note(spec.pid(), spec.name(), "pid " + spec.pid() + " is already in use: process not started");
        continue;
      }
      members.add(new ProcessGroup.Member(spec.pid(), name(spec.pid()),
          ProcessActor.create(spec, new TreeMap<>(), null, kernel)));
    }
    return startGroups(members);
  }

  /** Slices of groupSize processes, each started (in order) by a ProcessGroup of its own. */
  private Behavior<Command> startGroups(List<ProcessGroup.Member> members) {
    for (int from = 0; from < members.size(); from += groupSize) {
      List<ProcessGroup.Member> slice = members.subList(from, Math.min(members.size(), from + groupSize));
      ActorRef<ProcessGroup.Command> group = getContext().spawn(ProcessGroup.create(),
          "group-" + epoch + "-" + groups.size());
      groups.add(group);
      pendingGroups.put(group, slice.stream().mapToInt(ProcessGroup.Member::pid).toArray());
      pendingCount += slice.size();
      group.tell(new ProcessGroup.Start(epoch, slice, kernel.locks(), getContext().getSelf()));
    }
    return this;
  }

  private Behavior<Command> onGroupStarted(GroupStarted m) {
    if (m.epoch() != epoch || pendingGroups.remove(m.group()) == null) {
      return this; // a slice of a tree that is gone already
    }
    for (int i = 0; i < m.pids().length; i++) {
      if (!exitedPending.remove(m.pids()[i])) {
        byPid.put(m.pids()[i], m.refs().get(i));
        pendingCount--;
      }
    }
    return this;
  }

  /** The pending slice that starts {@code pid}, or null. */
  private ActorRef<ProcessGroup.Command> pendingGroupOf(int pid) {
    for (Map.Entry<ActorRef<ProcessGroup.Command>, int[]> e : pendingGroups.entrySet()) {
      for (int p : e.getValue()) {
        if (p == pid) {
          return e.getKey();
        }
      }
    }
    return null;
  }

  private Behavior<Command> onDeliver(Deliver m) {
    ActorRef<ProcessActor.Command> target = byPid.get(m.pid());
    ActorRef<ProcessGroup.Command> group = target == null && pendingCount > 0 ? pendingGroupOf(m.pid()) : null;
    if (target != null) {
      target.tell(m.command());
    } else if (group != null && !exitedPending.contains(m.pid())) {
      group.tell(new ProcessGroup.Forward(m.pid(), m.command()));
    } else if (m.command() instanceof ProcessActor.Run run) {
      note(m.pid(), "", "step " + run.step() + " (" + run.call().name() + ") skipped: no process " + m.pid());
      if (run.replyTo() != null) {
        run.replyTo().tell(new ProcessActor.StepDone(m.pid(), run.step(), run.call().name(), -1, Errno.ESRCH));
      }
    }
    return this;
  }

  private Behavior<Command> onExited(Exited m) {
    byPid.remove(m.pid());
    direct.remove(m.pid());
    if (pendingCount > 0 && pendingGroupOf(m.pid()) != null && exitedPending.add(m.pid())) {
      pendingCount--;
    }
    return this;
  }

  private void note(int pid, String name, String text) {
    if (kernel.trace().enabled()) {
      long now = EmulatedTime.clock(getContext().getSystem()).nowMillis();
      kernel.trace().emit(TraceEvent.note(now, pid, name, text));
    }
  }
}
