package io.leasecr.core.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leasecr.core.process.Syscall;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.process.WireTypes;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * dup2, dup3, F_DUPFD(_CLOEXEC), F_GETFD/F_SETFD, O_CLOEXEC, execve and signal expectations on si_code/si_fd: what
 * the steps parse to, that they cross the wire unchanged, bad ones named with their line, and what a run returns.
 */
class FdStepTest {

  private static String scenario(String... steps) {
    return "name: x\nfiles:\n  - path: /data/F1\n  - {path: /run/P, type: fifo}\nprocesses:\n"
        + "  - {name: A, signals: {SIGIO: handler, SIGUSR2: ignore}, on_signal: [{signal: SIGIO, do: release, after: 5s}]}\n"
        + "  - {name: B}\nsteps:\n  - {at: 0s, proc: A, open: /data/F1, flags: O_RDONLY}\n" + String.join("\n", steps) + "\n";
  }

  private static Syscall last(String step) {
    Scenario s = ScenarioParser.parse("x.yaml", scenario(step));
    return ((Step.Call) s.steps().get(s.steps().size() - 1).action()).syscall();
  }

  /** The returns of the calls made by steps, in step order: result, or the errno's name. */
  private static List<String> returns(String... steps) {
    Emulation.Result r = Emulation.run(ScenarioParser.parse("x.yaml", scenario(steps)));
    return r.events().stream().filter(e -> e.kind().equals("return") && e.step() > 1)
        .map(e -> e.errno() != null ? e.errno() : String.valueOf(e.result())).toList();
  }

  @Test
  void stepsParseAndCrossTheWire() throws Exception {
    List<Syscall> calls = List.of(
        last("  - {at: 1s, proc: A, dup2: 3, newfd: 7}"),
        last("  - {at: 1s, proc: A, dup3: 3, newfd: 7, flags: O_CLOEXEC}"),
        last("  - {at: 1s, proc: A, fcntl: F_DUPFD_CLOEXEC, fd: 3, arg: 10}"),
        last("  - {at: 1s, proc: A, fcntl: F_SETFD, fd: 3, arg: FD_CLOEXEC}"),
        last("  - {at: 1s, proc: A, fcntl: F_GETFD, fd: 3}"),
        last("  - {at: 1s, proc: A, open: /data/F1, flags: O_RDWR|O_CLOEXEC}"),
        last("  - {at: 1s, proc: A, execve: true}"));
    assertThat(calls).containsExactly(
        new Syscall.FdOp(Syscall.FdOp.Op.DUP2, 3, 7, 0),
        new Syscall.FdOp(Syscall.FdOp.Op.DUP3, 3, 7, Syscall.FdOp.O_CLOEXEC),
        new Syscall.FdOp(Syscall.FdOp.Op.F_DUPFD_CLOEXEC, 3, 10, 0),
        new Syscall.FdOp(Syscall.FdOp.Op.F_SETFD, 3, Syscall.FdOp.FD_CLOEXEC, 0),
        new Syscall.FdOp(Syscall.FdOp.Op.F_GETFD, 3, 0, 0),
        new Syscall.Open("/data/F1", io.leasecr.core.locks.AccessMode.O_RDWR, false, false, true),
        new Syscall.Execve());
    for (Syscall c : calls) {
      assertThat(WireTypes.syscall(WireTypes.syscall(c))).isEqualTo(c);
    }
    assertThat(calls.get(1).traceArgs()).containsEntry("flags", "O_CLOEXEC");
    assertThat(((Syscall.Open) calls.get(5)).flags()).isEqualTo("O_RDWR|O_CLOEXEC");
  }

  @Test
  void badStepsNameTheirLine() {
    assertThatThrownBy(() -> last("  - {at: 1s, proc: A, dup2: 3}")).hasMessageContaining("x.yaml:10")
        .hasMessageContaining("newfd");
    assertThatThrownBy(() -> last("  - {at: 1s, proc: A, execve: false}")).hasMessageContaining("x.yaml:10")
        .hasMessageContaining("execve takes 'true'");
    assertThatThrownBy(() -> last("  - {at: 1s, proc: A, open: /data/F1, flags: O_CLOEXEC|O_SYNC}"))
        .hasMessageContaining("x.yaml:10").hasMessageContaining("O_CLOEXEC)");
    assertThatThrownBy(() -> ScenarioParser.parse("x.yaml", scenario("  - {at: 1s, proc: A, close: 3}")
        + "expect:\n  - {proc: A, signal: SIGIO, code: POLL_IN}\n")).hasMessageContaining("x.yaml:12")
        .hasMessageContaining("si_code must be POLL_MSG, SI_KERNEL or SI_USER");
    assertThatThrownBy(() -> ScenarioParser.parse("x.yaml", scenario("  - {at: 1s, proc: A, close: 3}")
        + "expect:\n  - {proc: A, exit: 0, fd: 3}\n")).hasMessageContaining("x.yaml:12")
        .hasMessageContaining("'fd' is for signal expectations");
  }

  @Test
  void dupCallsFollowTheKernelsOrderOfChecks() {
    assertThat(returns(
        "  - {at: 1s, proc: A, dup2: 3, newfd: 3}",                 // onto itself: the fd
        "  - {at: 1s, proc: A, dup2: 9, newfd: 9}",                 // onto itself, not open: EBADF
        "  - {at: 1s, proc: A, dup3: 9, newfd: 9, flags: 0}",       // dup3 onto itself: EINVAL before the fd
        "  - {at: 1s, proc: A, dup3: 9, newfd: 4, flags: 1}",       // a flag other than O_CLOEXEC: EINVAL first
        "  - {at: 1s, proc: A, dup2: 3, newfd: 1024}",              // beyond RLIMIT_NOFILE: EBADF
        "  - {at: 1s, proc: A, dup3: 3, newfd: 6, flags: O_CLOEXEC}",
        "  - {at: 1s, proc: A, fcntl: F_GETFD, fd: 6}",             // FD_CLOEXEC
        "  - {at: 1s, proc: A, dup: 6}",                            // lowest free: 4, without FD_CLOEXEC
        "  - {at: 1s, proc: A, fcntl: F_GETFD, fd: 4}",
        "  - {at: 1s, proc: A, fcntl: F_DUPFD, fd: 3, arg: 4}",     // 4 used: 5
        "  - {at: 1s, proc: A, fcntl: F_DUPFD, fd: 3, arg: 1024}",  // EINVAL
        "  - {at: 1s, proc: A, fcntl: F_DUPFD, fd: 3, arg: 1023}",  // the last fd there is
        "  - {at: 1s, proc: A, fcntl: F_DUPFD, fd: 3, arg: 1023}")) // none left from 1023: EMFILE
        .containsExactly("3", "EBADF", "EINVAL", "EINVAL", "EBADF", "6", "1", "4", "0", "5", "EINVAL", "1023", "EMFILE");
  }

  @Test
  void execveClosesCloexecFdsAndDropsHandlersAndReactions() {
    Emulation.Result r = Emulation.run(ScenarioParser.parse("x.yaml", scenario(
        "  - {at: 0s, proc: A, fcntl: F_SETFD, fd: 3, arg: FD_CLOEXEC}",
        "  - {at: 0s, proc: A, open: /data/F1, flags: O_RDONLY}",     // 4, stays
        "  - {at: 0s, proc: A, fcntl: F_SETLEASE, fd: 4, arg: F_RDLCK}",
        "  - {at: 1s, proc: A, execve: true}",
        "  - {at: 1s, proc: A, fcntl: F_GETFD, fd: 3}",                // closed at exec: EBADF
        "  - {at: 1s, proc: A, fcntl: F_GETLEASE, fd: 4}",             // the lease through 4 stays
        "  - {at: 2s, kill: A, signal: SIGUSR2}",                        // still ignored
        "  - {at: 3s, proc: B, open: /data/F1, flags: O_WRONLY|O_NONBLOCK}"))); // SIGIO: default now, kills A
    List<String> got = r.events().stream().filter(e -> e.kind().equals("return") && e.step() >= 6)
        .map(e -> e.errno() != null ? e.errno() : String.valueOf(e.result())).toList();
    assertThat(got).containsExactly("EBADF", "0", "EWOULDBLOCK");
    assertThat(r.events()).anySatisfy(e -> assertThat(e.kind() + " " + e.arg("signal") + " " + e.arg("action"))
        .isEqualTo("signal SIGUSR2 ignored"));
    TraceEvent exit = r.events().stream().filter(e -> e.kind().equals("exit")).findFirst().orElseThrow();
    assertThat(exit.arg("signal")).isEqualTo("SIGIO");
    assertThat(exit.t()).isEqualTo(3000);
    assertThat(r.events()).noneMatch(e -> e.kind().equals("reaction")); // the old program's handler is gone
  }

  @Test
  void fifosAndCharDevicesHaveNoLengthAndNoLease() {
    assertThat(returns(
        "  - {at: 1s, proc: B, open: /run/P, flags: O_WRONLY|O_NONBLOCK}", // no reader: ENXIO
        "  - {at: 1s, proc: A, open: /run/P, flags: O_RDWR}",               // 4
        "  - {at: 1s, proc: B, open: /run/P, flags: O_WRONLY|O_NONBLOCK}", // a reader now: 3
        "  - {at: 1s, proc: B, ftruncate: 3}",
        "  - {at: 1s, proc: B, truncate: /run/P}",
        "  - {at: 1s, proc: A, fcntl: F_SETLEASE, fd: 4, arg: F_RDLCK}",
        "  - {at: 1s, proc: A, ftruncate: 4}"))
        .containsExactly("ENXIO", "4", "3", "EINVAL", "EINVAL", "EINVAL", "EINVAL");
  }
}
