package io.leasecr.core.restore;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * When each process of a restored tree is back, under a {@link RestartCostModel}: like CRIU, a
 * process is restored only after its parent (it is forked by it), at most {@code parallelism} at
 * once, lowest pid first among those ready. Times are microseconds from the restore's beginning.
 * The tree runs again only when the last process is restored ({@link #makespanUs}): CRIU resumes
 * all tasks together.
 */
public record RestoreSchedule(Map<Integer, Long> doneUs, long makespanUs) {

  /** A process to restore: its parent (0 or one outside the set: restored first) and what it holds. */
  public record Proc(int pid, int ppid, int files, int leases, int locks) {}

  public static RestoreSchedule plan(RestartCostModel model, Collection<Proc> procs, int busyThreads, long seed) {
    TreeMap<Integer, Proc> byPid = new TreeMap<>();
    procs.forEach(p -> byPid.put(p.pid(), p));
    Map<Integer, List<Integer>> children = new HashMap<>();
    PriorityQueue<Integer> ready = new PriorityQueue<>();
    for (Proc p : byPid.values()) {
      if (byPid.containsKey(p.ppid()) && p.ppid() != p.pid()) {
        children.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(p.pid());
      } else {
        ready.add(p.pid());
      }
    }
    // costs drawn in pid order: the same seed gives the same schedule whatever the tree's shape
    SplittableRandom random = new SplittableRandom(seed);
    double slowdown = model.slowdown(busyThreads);
    double sigma = Math.sqrt(Math.log(1 + model.jitter() * model.jitter()));
    Map<Integer, Double> cost = new HashMap<>();
    for (Proc p : byPid.values()) {
      double factor = sigma == 0 ? 1 : Math.exp(sigma * random.nextGaussian() - sigma * sigma / 2); // mean 1
      cost.put(p.pid(), model.processUs(p.files(), p.leases(), p.locks()) * slowdown * factor);
    }
    // list scheduling: start the lowest ready pid whenever a worker is free
    record Running(double endUs, int pid) {}
    PriorityQueue<Running> running = new PriorityQueue<>((a, b) -> a.endUs() != b.endUs()
        ? Double.compare(a.endUs(), b.endUs()) : Integer.compare(a.pid(), b.pid()));
    Map<Integer, Long> done = new HashMap<>();
    Set<Integer> started = new HashSet<>();
    double now = model.baseUs(); // not slowed by load: calibrate fits it that way (docs/restart-cost.md)
    double last = now;
    while (done.size() < byPid.size()) {
      if (ready.isEmpty() && running.isEmpty()) {
        // a parent cycle (only a hand-edited image has one): break it at its lowest pid
        byPid.keySet().stream().filter(pid -> !started.contains(pid)).findFirst().ifPresent(ready::add);
      }
      while (running.size() < model.parallelism() && !ready.isEmpty()) {
        int pid = ready.poll();
        if (!started.add(pid)) {
          continue;
        }
        running.add(new Running(now + cost.get(pid), pid));
      }
      if (running.isEmpty()) {
        continue;
      }
      Running r = running.poll();
      now = r.endUs();
      last = now;
      done.put(r.pid(), (long) Math.ceil(now));
      ready.addAll(children.getOrDefault(r.pid(), List.of()));
    }
    return new RestoreSchedule(done, (long) Math.ceil(last));
  }
}
