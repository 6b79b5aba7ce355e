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
    List<Scenario.ProcessDecl> procs = new ArrayList<>(base.processes());
    List<Step> steps = new ArrayList<>();
    int firstPid = base.processes().stream().mapToInt(Scenario.ProcessDecl::pid).max().orElse(1) + 1;
    int extra = p.treeSize() - 1;
    Scenario.ProcessDecl breaker = base.process(e.breaker());
    long leaseType = holderLeaseType(base, holder);
    List<Step> breaks = new ArrayList<>();
    for (int i = 1; i <= extra; i++) {
      // tree position i (the holder is 0): the parent of i is (i - 1) / fanout, as in a heap
      int parentIndex = (i - 1) / e.fanout();
      int ppid = parentIndex == 0 ? holder.pid() : firstPid + parentIndex - 1;
      int pid = firstPid + i - 1;
      String name = "T" + i;
      boolean leases = e.holdsLease(i);
      procs.add(new Scenario.ProcessDecl(new ProcessSpec(pid, ppid, name, holder.spec().cred(),
          leases ? holder.spec().dispositions() : Map.of(), leases ? holder.spec().reactions() : List.of(),
          p.seed() + i), holder.name(), false, 0));
      for (int f = 0; f < e.filesPerProcess(); f++) {
        String path = "/tree/" + i + "/" + f;
        vfs.file(path, holder.spec().cred().fsuid(), Inode.Kind.REGULAR, true);
        steps.add(new Step(0, 0, 0, new Step.Call(name, pid, new Syscall.Open(path, AccessMode.O_RDONLY, false, false)),
            StepExpectation.NONE));
        if (leases && f == 0) {
          steps.add(new Step(0, 0, 0, new Step.Call(name, pid,
              new Syscall.Fcntl(3, Syscall.Fcntl.Cmd.F_SETLEASE, leaseType)), StepExpectation.NONE));
          breaks.add(new Step(0, 0, breakStep.atMs(), new Step.Call(breaker.name(), breaker.pid(),
              new Syscall.Open(path, AccessMode.O_WRONLY, true, false)), StepExpectation.NONE));
        }
      }
    }
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
      Step n = new Step(numbered.size() + 1, s.line(), s.atMs(), s.action(), s.expect());
      if (s.action() == breakStep.action() && breakNumber == 0) {
        breakNumber = n.number();
      }
      numbered.add(n);
    }
    Scenario scenario = new Scenario(e.source(), e.name() + "#" + p.index(), base.description(), p.seed(),
        base.sysctls(), vfs.build(), procs, numbered, List.of(), base.endMs());
    return new Built(scenario, holder.pid(), base.process(e.breaker()).pid(), breakNumber, breakTimeMs);
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
