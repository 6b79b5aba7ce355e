package io.leasecr.core.scenario;

import io.leasecr.core.process.Syscall;

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

  public String describe() {
    if (action instanceof Call c) {
      return c.proc() + " " + c.syscall().name();
    } else if (action instanceof Kill k) {
      return "kill " + k.proc();
    } else if (action instanceof SetSysctl s) {
      return "sysctl " + s.name();
    }
    return "proc_locks";
  }
}
