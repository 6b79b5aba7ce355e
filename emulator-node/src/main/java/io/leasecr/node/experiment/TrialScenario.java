package io.leasecr.node.experiment;

import io.leasecr.core.locks.Vfs;
import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.process.ProcessSpec;
import io.leasecr.core.process.Syscall;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.Step;
import io.leasecr.core.scenario.StepExpectation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The scenario of one run: the base scenario, the holder's tree grown to the run's size (the holder
 * is its root; each extra process holds its own files open), and checkpoints with restarts at the
 * run's moment in the break, again every {@code repeat-every} if asked. The base's expectations are
 * dropped: C/R changes what they assert; the run's metrics say what happened instead.
 *
 * <p>With {@code tree: lease-holders: P%}, P% of the added processes (spread evenly) also take a lease of
 * the holder's type on their first file and handle SIGIO as the holder does; at the instant of the break
 * the breaker opens each of those files O_WRONLY|O_NONBLOCK (EWOULDBLOCK, the break goes on: fs/locks.c
 * __break_lease) just before its own blocking open, so all of them are under break at the checkpoint.
 */
final class TrialScenario {

  /** The scenario, and the numbers the metrics need to find holder, breaker and the break. */
  record Built(Scenario scenario, int holderPid, int breakerPid, int breakStep, long breakTimeMs) {}

  private TrialScenario() {}

  static Built build(Experiment e, Experiment.RunPoint p) {
    Scenario base = e.base();
    Scenario.ProcessDecl holder = base.process(e.holder());
    Step breakStep = ExperimentParser.breakStep(base, e.breaker());
    Vfs.Builder vfs = Vfs.builder();
    base.vfs().inodes().forEach(i -> vfs.file(i.path(), i.uid(), i.kind(), i.leaseSupport()));
    int firstPid = base.processes().stream().mapToInt(Scenario.ProcessDecl::pid).max().orElse(1) + 1;
    Tree tree = new Tree(e, p, holder, firstPid, holderLeaseType(base, holder));
    Scenario.ProcessDecl breaker = base.process(e.breaker());
    List<Step> breaks = new ArrayList<>();
    for (int i = 1; i <= tree.extra; i++) {
      for (int f = 0; f < e.filesPerProcess(); f++) {
        vfs.file(Tree.path(i, f), holder.spec().cred().fsuid(), Inode.Kind.REGULAR, true);
      }
      if (tree.leases(i)) {
        breaks.add(new Step(0, 0, breakStep.atMs(), new Step.Call(breaker.name(), breaker.pid(),
            new Syscall.Open(Tree.path(i, 0), AccessMode.O_WRONLY, true, false)), StepExpectation.NONE));
      }
    }
    // the tree's steps all come first (time 0, before the base's own steps at time 0): generated on demand
    List<Step> steps = new ArrayList<>();
    for (Step s : base.steps()) {
      if (s == breakStep) {
        steps.addAll(breaks); // same instant, just before the breaker's own (blocking) open
      }
      steps.add(new Step(0, s.line(), s.atMs(), s.action(), StepExpectation.NONE));
    }
    long breakTimeMs = base.sysctl("fs.lease-break-time") * 1000;
    long at = breakStep.atMs() + p.checkpointAtMs();
    // repeated C/R goes on while a break could still be going on: until the breaker would have its file
    long until = breakStep.atMs() + Math.max(breakTimeMs, p.checkpointAtMs()) * (e.maxCheckpoints() + 1L);
    for (int n = 1; n <= e.maxCheckpoints() && at <= until; n++) {
      String id = "C" + n;
      steps.add(new Step(0, 0, at, new Step.Checkpoint(id, null, false), StepExpectation.NONE));
      steps.add(new Step(0, 0, at + e.restartAfterMs(),
          new Step.Restart(id, null, p.restartPolicy(), p.mode(), null, false), StepExpectation.NONE));
      if (p.repeatEveryMs() == 0) {
        break;
      }
      at += e.restartAfterMs() + p.repeatEveryMs();
    }
    steps.sort(Comparator.comparingLong(Step::atMs)); // stable: same instant, file order
    List<Step> numbered = new ArrayList<>(steps.size());
    int breakNumber = 0;
    for (Step s : steps) {
      Step n = new Step(tree.steps + numbered.size() + 1, s.line(), s.atMs(), s.action(), s.expect());
      if (s.action() == breakStep.action() && breakNumber == 0) {
        breakNumber = n.number();
      }
      numbered.add(n);
    }
    Scenario scenario = new Scenario(e.source(), e.name() + "#" + p.index(), base.description(), p.seed(),
        base.sysctls(), vfs.build(), tree.processes(base.processes()), tree.steps(numbered), List.of(), base.endMs());
    return new Built(scenario, holder.pid(), breaker.pid(), breakNumber, breakTimeMs);
  }

  /**
   * The grown tree, described by its rule rather than held as a million declarations and steps (issue 17
   * item 1): process i (1 to size-1) is pid firstPid+i-1, child of (i-1)/fanout (the holder is 0), opens
   * files /tree/i/0.. at time 0 and, if it is a lease holder, takes a lease on fd 3 right after its first
   * open. Its declarations and steps are made when asked for, equal each time to what a list would hold.
   */
  private static final class Tree {
    final Experiment e;
    final Experiment.RunPoint p;
    final Scenario.ProcessDecl holder;
    final int firstPid;
    final long leaseType;
    final int extra;
    final int files;
    /** The tree's steps: files per process, one more per lease holder. */
    final int steps;

    Tree(Experiment e, Experiment.RunPoint p, Scenario.ProcessDecl holder, int firstPid, long leaseType) {
      this.e = e;
      this.p = p;
      this.holder = holder;
      this.firstPid = firstPid;
      this.leaseType = leaseType;
      this.extra = p.treeSize() - 1;
      this.files = e.filesPerProcess();
      this.steps = Math.toIntExact((long) extra * files + holdersUpTo(extra));
    }

    static String path(int i, int f) {
      return "/tree/" + i + "/" + f;
    }

    boolean leases(int i) {
      return files > 0 && e.holdsLease(i);
    }

    /** Lease holders among processes 1..n. */
    private long holdersUpTo(int n) {
      if (files == 0 || e.leaseHoldersPercent() <= 0) {
        return 0;
      }
      return (long) Math.floor(n * (e.leaseHoldersPercent() / 100) + 1e-9); // holdsLease telescopes to this
    }

    /** Index of process i's first step. */
    private long firstStep(int i) {
      return (long) (i - 1) * files + holdersUpTo(i - 1);
    }

    Scenario.ProcessDecl process(int i) {
      // tree position i (the holder is 0): the parent of i is (i - 1) / fanout, as in a heap
      int parentIndex = (i - 1) / e.fanout();
      int ppid = parentIndex == 0 ? holder.pid() : firstPid + parentIndex - 1;
      boolean leases = leases(i);
      return new Scenario.ProcessDecl(new ProcessSpec(firstPid + i - 1, ppid, "T" + i, holder.spec().cred(),
          leases ? holder.spec().dispositions() : Map.of(), leases ? holder.spec().reactions() : List.of(),
          p.seed() + i), holder.name(), false, 0);
    }

    Step step(int k) {
      int lo = 1;
      int hi = extra;
      while (lo < hi) { // the last process whose first step is at or before k
        int mid = (lo + hi + 1) >>> 1;
        if (firstStep(mid) <= k) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
      int i = lo;
      int j = (int) (k - firstStep(i));
      String name = "T" + i;
      int pid = firstPid + i - 1;
      Syscall call;
      if (leases(i) && j == 1) {
        call = new Syscall.Fcntl(3, Syscall.Fcntl.Cmd.F_SETLEASE, leaseType);
      } else {
        int f = leases(i) && j > 1 ? j - 1 : j;
        call = new Syscall.Open(path(i, f), AccessMode.O_RDONLY, false, false);
      }
      return new Step(k + 1, 0, 0, new Step.Call(name, pid, call), StepExpectation.NONE);
    }

    List<Scenario.ProcessDecl> processes(List<Scenario.ProcessDecl> base) {
      return new Generated<>(base, extra, i -> process(i + 1));
    }

    List<Step> steps(List<Step> rest) {
      return new Generated<>(List.of(), steps, this::step) {
        @Override
        public Step get(int index) {
          return index < steps ? step(index) : rest.get(index - steps);
        }

        @Override
        public int size() {
          return steps + rest.size();
        }
      };
    }
  }

  /** {@code head} followed by {@code count} elements made on demand by {@code make} (index from 0). */
  private static class Generated<T> extends java.util.AbstractList<T> implements java.util.RandomAccess {
    private final List<T> head;
    private final int count;
    private final java.util.function.IntFunction<T> make;

    Generated(List<T> head, int count, java.util.function.IntFunction<T> make) {
      this.head = head;
      this.count = count;
      this.make = make;
    }

    @Override
    public T get(int index) {
      if (index < 0 || index >= size()) {
        throw new IndexOutOfBoundsException(index);
      }
      return index < head.size() ? head.get(index) : make.apply(index - head.size());
    }

    @Override
    public int size() {
      return head.size() + count;
    }
  }

  /** The type of the holder's first F_SETLEASE in the base scenario (F_RDLCK if it takes none). */
  private static long holderLeaseType(Scenario base, Scenario.ProcessDecl holder) {
    for (Step s : base.steps()) {
      if (s.action() instanceof Step.Call c && c.proc().equals(holder.name())
          && c.syscall() instanceof Syscall.Fcntl f && f.cmd() == Syscall.Fcntl.Cmd.F_SETLEASE
          && f.arg() != io.leasecr.core.locks.LeaseType.UNLCK.value) {
        return f.arg();
      }
    }
    return io.leasecr.core.locks.LeaseType.RDLCK.value;
  }
}
