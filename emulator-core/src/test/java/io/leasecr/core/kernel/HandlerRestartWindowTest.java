package io.leasecr.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.trace.TraceEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The restart window of a call a signal handler interrupted (fuzz finding 1092): the F_SETLEASE a SIGIO handler
 * makes while the holder's own open or truncate sleeps on the break does not count that call as a writer (it has
 * left the syscall), but a delayed reaction, made by the reaction thread beside a call that really sleeps, does.
 * Both checked on the kernel (scenarios/leases/fuzz-handler-downgrade-in-own-call-restart-window.yaml and
 * fuzz-delayed-downgrade-beside-own-sleeping-call.yaml).
 */
class HandlerRestartWindowTest {

  /** P1 holds a write lease on an O_RDONLY fd and makes {@code call} on its own file; its SIGIO handler downgrades. */
  private static List<String> run(String disposition, String after, String call) {
    return run(disposition, "downgrade", after, call);
  }

  private static List<String> run(String disposition, String action, String after, String call) {
    String yaml = "name: x\nsysctl: {fs.lease-break-time: 1}\nfiles:\n  - path: /data/F1\nprocesses:\n"
        + "  - name: P1\n    pid: 101\n    signals: {SIGIO: " + disposition + "}\n"
        + "    on_signal:\n      - {signal: SIGIO, do: " + action + after + "}\n"
        + "  - {name: P2, pid: 102}\nsteps:\n"
        + "  - {at: 0ms, proc: P1, open: /data/F1, flags: O_RDONLY}\n"
        + "  - {at: 0ms, proc: P1, fcntl: F_SETLEASE, fd: 3, arg: F_WRLCK}\n"
        + "  - {at: 286ms, proc: P1, " + call + "}\n"
        + "  - {at: 858ms, proc: P2, open: /data/F1, flags: O_RDONLY|O_NONBLOCK}\n";
    List<TraceEvent> events = Emulation.run(ScenarioParser.parse("x.yaml", yaml)).events();
    return events.stream().filter(e -> e.kind().equals("return") && (e.step() == 0 || e.step() >= 3))
        .map(e -> e.proc() + " " + e.call() + "@" + e.step() + "=" + (e.errno() != null ? e.errno() : e.result()))
        .toList();
  }

  @Test
  void aHandlerDowngradeDuringItsOwnRestartingCallSucceeds() {
    // kernel: fcntl = 0 (the truncate put its write access back), the lease is a read lease, P2 opens
    assertThat(run("handler+restart", "", "truncate: /data/F1"))
        .containsExactly("P1 fcntl@0=0", "P2 open@4=3", "P1 truncate@3=0");
    assertThat(run("handler+restart", "", "open: /data/F1, flags: O_WRONLY"))
        .containsExactly("P1 fcntl@0=0", "P2 open@4=3", "P1 open@3=4");
  }

  @Test
  void aDelayedDowngradeBesideItsOwnSleepingCallFails() {
    // kernel: EAGAIN, the truncate (restarted at once) sleeps with its write access; the lease stays a write lease
    assertThat(run("handler+restart", ", after: 357ms", "truncate: /data/F1"))
        .containsExactly("P1 fcntl@0=EAGAIN", "P2 open@4=EWOULDBLOCK", "P1 truncate@3=0");
  }

  @Test
  void anInterruptedCallsHandlerDowngradeSucceedsToo() {
    // without SA_RESTART the truncate ends with EINTR, after the handler, which found no writer
    assertThat(run("handler", "", "truncate: /data/F1"))
        .containsExactly("P1 fcntl@0=0", "P1 truncate@3=EINTR", "P2 open@4=3");
  }

  @Test
  void anOpenRestartedAfterItsHandlerTakesTheLowestFreeFdAgain() {
    // kernel (emulator fuzz seed 36 program 2): the open gave fd 4 back on the way out, the handler closed fd 3,
    // the restarted open gets 3; a delayed close, made while the open really sleeps with fd 4, leaves it 4
    assertThat(run("handler+restart", "close", "", "open: /data/F1, flags: O_RDONLY"))
        .containsExactly("P1 close@0=0", "P1 open@3=3", "P2 open@4=3");
    assertThat(run("handler+restart", "close", ", after: 357ms", "open: /data/F1, flags: O_RDONLY"))
        .containsExactly("P1 close@0=0", "P1 open@3=4", "P2 open@4=3");
  }
}
