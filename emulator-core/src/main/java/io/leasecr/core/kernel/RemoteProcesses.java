package io.leasecr.core.kernel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a {@link LockManager} on a cluster node knows about processes that may live on other nodes.
 * Processes do not register there: a signal or wake-up for a pid goes through the process
 * directory (the node's router to the sharded process entities), and the reply-to refs of requests
 * are remembered and death-watched, so that a process whose node is downed is dropped like one that
 * died: its blocked opens are abandoned and the descriptions it opened are closed.
 */
final class RemoteProcesses {

  /** A learned ref: watch it; on termination the LockManager gets {@code Gone}. */
  interface Watcher {
    void watch(int pid, ActorRef<ProcessActor.Command> ref);
  }

  private final ActorRef<ProcessTable.Command> directory;
  private final Map<Integer, ActorRef<ProcessActor.Command>> refs = new HashMap<>();
  /** Descriptions each pid opened here, with how many opens: closed for it if it goes. */
  private final Map<Integer, Map<Long, Integer>> opened = new HashMap<>();

  RemoteProcesses(ActorRef<ProcessTable.Command> directory) {
    this.directory = directory;
  }

  /** Reaches a process through the directory (sharding), wherever it runs now. */
  void deliver(int pid, ProcessActor.Command command) {
    directory.tell(new ProcessTable.Deliver(pid, command));
  }

  /**
   * Remembers the pid's current incarnation and watches it; returns the incarnation it replaces (a
   * process restored elsewhere before the death of the old one was noticed), or null.
   */
  ActorRef<ProcessActor.Command> learn(int pid, ActorRef<ProcessActor.Command> ref, Watcher watcher) {
    ActorRef<ProcessActor.Command> old = refs.get(pid);
    if (ref == null || ref.equals(old)) {
      return null;
    }
    refs.put(pid, ref);
    watcher.watch(pid, ref);
    return old;
  }

  /** The pid's incarnation this table last heard from, or null. */
  ActorRef<ProcessActor.Command> incarnation(int pid) {
    return refs.get(pid);
  }

  /** exit(2): its termination is no longer a process gone (its fds come back through close, one by one). */
  void exited(int pid) {
    refs.remove(pid);
  }

  /** True if {@code ref} is still the pid's current incarnation (a restored pid has a new one). */
  boolean current(int pid, ActorRef<ProcessActor.Command> ref) {
    return ref.equals(refs.get(pid));
  }

  void opened(int pid, long fileId) {
    opened.computeIfAbsent(pid, p -> new HashMap<>()).merge(fileId, 1, Integer::sum);
  }

  void closed(int pid, long fileId) {
    Map<Long, Integer> files = opened.get(pid);
    if (files != null && files.computeIfPresent(fileId, (id, n) -> n > 1 ? n - 1 : null) == null && files.isEmpty()) {
      opened.remove(pid);
    }
  }

  /** The pids this table heard from or counts descriptions for. */
  java.util.Set<Integer> known() {
    java.util.Set<Integer> pids = new java.util.HashSet<>(refs.keySet());
    pids.addAll(opened.keySet());
    return pids;
  }

  /** The pid is gone: forget it; returns the descriptions it still had open, one entry per open. */
  List<Long> forget(int pid) {
    refs.remove(pid);
    List<Long> files = new ArrayList<>();
    Map<Long, Integer> held = opened.remove(pid);
    if (held != null) {
      held.forEach((id, n) -> {
        for (int i = 0; i < n; i++) {
          files.add(id);
        }
      });
    }
    return files;
  }

  void clear() {
    refs.clear();
    opened.clear();
  }
}
