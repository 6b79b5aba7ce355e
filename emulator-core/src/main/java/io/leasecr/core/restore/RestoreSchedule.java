package io.leasecr.core.restore;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

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
    // arrays indexed by rank in pid order (a million processes: no boxed map or queue per process)
    Proc[] byRank = procs.toArray(new Proc[0]);
    Arrays.sort(byRank, (a, b) -> Integer.compare(a.pid(), b.pid()));
    int n = dedupe(byRank);
    int[] pids = new int[n];
    for (int i = 0; i < n; i++) {
      pids[i] = byRank[i].pid();
    }
    // children of each rank, in pid order (CSR); the rest is ready at once
    int[] parent = new int[n];
    int[] childCount = new int[n + 1];
    IntHeap ready = new IntHeap(n);
    for (int i = 0; i < n; i++) {
      int pp = byRank[i].ppid() == byRank[i].pid() ? -1 : Arrays.binarySearch(pids, byRank[i].ppid());
      parent[i] = pp;
      if (pp >= 0) {
        childCount[pp + 1]++;
      } else {
        ready.add(i);
      }
    }
    for (int i = 0; i < n; i++) {
      childCount[i + 1] += childCount[i];
    }
    int[] children = new int[childCount[n]];
    int[] fill = Arrays.copyOf(childCount, n);
    for (int i = 0; i < n; i++) {
      if (parent[i] >= 0) {
        children[fill[parent[i]]++] = i;
      }
    }
    // costs drawn in pid order: the same seed gives the same schedule whatever the tree's shape
    SplittableRandom random = new SplittableRandom(seed);
    double slowdown = model.slowdown(busyThreads);
    double sigma = Math.sqrt(Math.log(1 + model.jitter() * model.jitter()));
    double[] cost = new double[n];
    for (int i = 0; i < n; i++) {
      double factor = sigma == 0 ? 1 : Math.exp(sigma * random.nextGaussian() - sigma * sigma / 2); // mean 1
      cost[i] = model.processUs(byRank[i].files(), byRank[i].leases(), byRank[i].locks()) * slowdown * factor;
    }
    // list scheduling: start the lowest ready pid whenever a worker is free
    record Running(double endUs, int rank) {}
    PriorityQueue<Running> running = new PriorityQueue<>((a, b) -> a.endUs() != b.endUs()
        ? Double.compare(a.endUs(), b.endUs()) : Integer.compare(a.rank(), b.rank()));
    long[] doneAt = new long[n];
    boolean[] started = new boolean[n];
    int doneCount = 0;
    int lowestNotStarted = 0;
    double now = model.baseUs(); // not slowed by load: calibrate fits it that way (docs/restart-cost.md)
    double last = now;
    while (doneCount < n) {
      if (ready.isEmpty() && running.isEmpty()) {
        // a parent cycle (only a hand-edited image has one): break it at its lowest pid
        while (lowestNotStarted < n && started[lowestNotStarted]) {
          lowestNotStarted++;
        }
        ready.add(lowestNotStarted);
      }
      while (running.size() < model.parallelism() && !ready.isEmpty()) {
        int rank = ready.poll();
        if (started[rank]) {
          continue;
        }
        started[rank] = true;
        running.add(new Running(now + cost[rank], rank));
      }
      if (running.isEmpty()) {
        continue;
      }
      Running r = running.poll();
      now = r.endUs();
      last = now;
      doneAt[r.rank()] = (long) Math.ceil(now);
      doneCount++;
      for (int c = childCount[r.rank()]; c < childCount[r.rank() + 1]; c++) {
        ready.add(children[c]);
      }
    }
    Map<Integer, Long> done = new HashMap<>(n * 4 / 3 + 1);
    for (int i = 0; i < n; i++) {
      done.put(pids[i], doneAt[i]);
    }
    return new RestoreSchedule(done, (long) Math.ceil(last));
  }

  /** Keeps the first of each pid (sorted input, as the map this replaced kept the last put: see below). */
  private static int dedupe(Proc[] sorted) {
    int n = 0;
    for (int i = 0; i < sorted.length; i++) {
      if (n > 0 && sorted[n - 1].pid() == sorted[i].pid()) {
        sorted[n - 1] = sorted[i]; // a later entry for the same pid wins, as TreeMap.put did
      } else {
        sorted[n++] = sorted[i];
      }
    }
    return n;
  }

  /** A min-heap of ints (ranks: the lowest rank is the lowest pid). */
  private static final class IntHeap {
    private int[] heap;
    private int size;

    IntHeap(int capacity) {
      heap = new int[Math.max(1, capacity)];
    }

    boolean isEmpty() {
      return size == 0;
    }

    void add(int v) {
      if (size == heap.length) {
        heap = Arrays.copyOf(heap, size * 2);
      }
      int i = size++;
      while (i > 0) {
        int up = (i - 1) >>> 1;
        if (heap[up] <= v) {
          break;
        }
        heap[i] = heap[up];
        i = up;
      }
      heap[i] = v;
    }

    int poll() {
      int top = heap[0];
      int v = heap[--size];
      int i = 0;
      while (true) {
        int c = 2 * i + 1;
        if (c >= size) {
          break;
        }
        if (c + 1 < size && heap[c + 1] < heap[c]) {
          c++;
        }
        if (heap[c] >= v) {
          break;
        }
        heap[i] = heap[c];
        i = c;
      }
      heap[i] = v;
      return top;
    }
  }
}
