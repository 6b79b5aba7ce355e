package io.leasecr.core.scenario;

import io.leasecr.core.process.Syscall;
import java.util.List;

/**
 * One timed step of a scenario: at an emulated time, a process makes a syscall, or the scenario
 * itself acts (kill, sysctl, /proc/locks). Steps at the same instant run in file order, each after
 * everything the previous one caused at that instant has settled.
 */
public record Step(int number, int line, long atMs, Action action, StepExpectation expect) {

  public sealed interface Action {}

  public record Call(String proc, int pid, Syscall syscall) implements Action {}

  public record Kill(String proc, int pid, int signo) implements Action {}

  public record SetSysctl(String name, long value) implements Action {}

  public record ShowLocks() implements Action {}

  /**
   * Freeze the tree and save it as checkpoint {@code id} (and to {@code imageFile}, if given). Like a
   * CRIU dump, the tree is then gone, unless {@code leaveRunning}.
   */
  public record Checkpoint(String id, String imageFile, boolean leaveRunning,
      List<CrExpectation.ImageLease> expectImage, boolean beforeSignal) implements Action {

    public Checkpoint(String id, String imageFile, boolean leaveRunning) {
      this(id, imageFile, leaveRunning, null, false);
    }
  }

  /**
   * Replace the tree by checkpoint {@code id} (or the image in {@code imageFile}): all its processes,
   * or only {@code only}; break times by {@code policy}; the seed's semantics, CRIU's or keep-break.
   * {@code typeGuess}: in criu mode, CRIU's guess of a broken lease's type before its break (null: the run's
   * {@code lease-cr.criu.type-guess}).
   */
  public record Restart(String id, String imageFile, String policy, io.leasecr.core.locks.RestartMode mode,
      List<String> only, boolean fromJournal, List<String> expectRetried,
      io.leasecr.core.locks.CriuTypeGuess typeGuess) implements Action {

    public Restart(String id, String imageFile, String policy, io.leasecr.core.locks.RestartMode mode,
        List<String> only, boolean fromJournal, List<String> expectRetried) {
      this(id, imageFile, policy, mode, only, fromJournal, expectRetried, null);
    }

    public Restart(String id, String imageFile, String policy, io.leasecr.core.locks.RestartMode mode,
        List<String> only, boolean fromJournal) {
      this(id, imageFile, policy, mode, only, fromJournal, null);
    }

    /** seed mode (false) or CRIU's (true). */
    public Restart(String id, String imageFile, String policy, boolean criu, List<String> only, boolean fromJournal) {
      this(id, imageFile, policy, io.leasecr.core.locks.RestartMode.of(criu), only, fromJournal);
    }

    public boolean criu() {
      return mode == io.leasecr.core.locks.RestartMode.CRIU;
    }

    /** The same restart in another mode (the command line's --mode overrides the file). */
    public Restart withMode(io.leasecr.core.locks.RestartMode m) {
      return new Restart(id, imageFile, policy, m, only, fromJournal, expectRetried, typeGuess);
    }

    /** The same restart with CRIU's type guess {@code g} (the command line's --type-guess overrides the file). */
    public Restart withTypeGuess(io.leasecr.core.locks.CriuTypeGuess g) {
      return new Restart(id, imageFile, policy, mode, only, fromJournal, expectRetried, g);
    }
  }

  public String describe() {
    if (action instanceof Call c) {
      return c.proc() + " " + c.syscall().name();
    } else if (action instanceof Kill k) {
      return "kill " + k.proc();
    } else if (action instanceof SetSysctl s) {
      return "sysctl " + s.name();
    } else if (action instanceof Checkpoint c) {
      return "checkpoint " + c.id();
    } else if (action instanceof Restart r) {
      return "restart " + (r.id() != null ? r.id() : r.imageFile());
    }
    return "proc_locks";
  }
}
