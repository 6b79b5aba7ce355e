package io.leasecr.core.restore;

import static org.assertj.core.api.Assertions.assertThat;

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
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The array-based schedule (written for million-process restores) gives exactly the schedule of the
 * map-based one it replaced, kept here as the reference: random trees, forests, cycles, duplicate pids.
 */
class RestoreScheduleEquivalenceTest {

  private static final RestartCostModel MODEL = new RestartCostModel("test", 50, 120, 3, 1, 0.8, 2, 0.3, 0.9);

  @Property(tries = 200)
  void sameScheduleAsTheReference(@ForAll @IntRange(min = 1, max = 300) int n, @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 8) int busy) {
    SplittableRandom r = new SplittableRandom(seed);
    List<RestoreSchedule.Proc> procs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int pid = 100 + r.nextInt(n + n / 4 + 1); // some pids twice
      int ppid = r.nextInt(10) == 0 ? 1 : 100 + r.nextInt(n + 1); // cycles and parents outside the set too
      procs.add(new RestoreSchedule.Proc(pid, ppid, r.nextInt(4), r.nextInt(2), r.nextInt(3)));
    }
    RestoreSchedule fast = RestoreSchedule.plan(MODEL, procs, busy, seed);
    RestoreSchedule ref = reference(MODEL, procs, busy, seed);
    assertThat(fast.makespanUs()).isEqualTo(ref.makespanUs());
    assertThat(fast.doneUs()).isEqualTo(ref.doneUs());
  }

  /** The implementation before 2026-12-06 (boxed maps and queues), unchanged. */
  static RestoreSchedule reference(RestartCostModel model, Collection<RestoreSchedule.Proc> procs, int busyThreads, long seed) {
    TreeMap<Integer, RestoreSchedule.Proc> byPid = new TreeMap<>();
    procs.forEach(p -> byPid.put(p.pid(), p));
    Map<Integer, List<Integer>> children = new HashMap<>();
    PriorityQueue<Integer> ready = new PriorityQueue<>();
    for (RestoreSchedule.Proc p : byPid.values()) {
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
    for (RestoreSchedule.Proc p : byPid.values()) {
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
