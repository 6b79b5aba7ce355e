package io.leasecr.core.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leasecr.core.process.Syscall;
import io.leasecr.core.process.WireTypes;
import io.leasecr.core.trace.TraceEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * sigprocmask, sigtimedwait and sigwaitinfo steps: what they parse to, that they cross the wire, bad ones named with
 * their line, and the emulator's rules the kernel scenarios (scenarios/signals) do not reach: a fork's child starts
 * with its parent's mask and no pending signals, a blocked ignored signal is still queued, SIGKILL cannot be
 * blocked, and a checkpoint keeps the mask and the pending signals.
 */
class SignalMaskStepTest {

  private static String scenario(String... steps) {
    return "name: x\nfiles:\n  - path: /data/F1\nprocesses:\n"
        + "  - {name: A, pid: 101, signals: {SIGUSR1: handler, SIGUSR2: ignore}}\n"
        + "  - {name: C, pid: 102, parent: A, forked: true}\nsteps:\n" + String.join("\n", steps) + "\n";
  }

  private static Syscall only(String step) {
    Scenario s = ScenarioParser.parse("x.yaml", scenario(step));
    return ((Step.Call) s.steps().get(0).action()).syscall();
  }

  private static List<TraceEvent> run(String... steps) {
    return Emulation.run(ScenarioParser.parse("x.yaml", scenario(steps))).events();
  }

  private static List<String> returns(List<TraceEvent> events, String proc) {
    return events.stream().filter(e -> e.kind().equals("return") && e.proc().equals(proc) && e.step() > 0)
        .map(e -> e.call() + "=" + (e.errno() != null ? e.errno() : e.result())).toList();
  }

  @Test
  void stepsParseAndCrossTheWire() throws Exception {
    List<Syscall> calls = List.of(
        only("  - {at: 0s, proc: A, sigprocmask: block, signals: [SIGIO, SIGRTMIN+1]}"),
        only("  - {at: 0s, proc: A, sigprocmask: setmask, signals: []}"),
        only("  - {at: 0s, proc: A, sigtimedwait: [SIGUSR1], timeout: 250ms}"),
        only("  - {at: 0s, proc: A, sigwaitinfo: [SIGRTMIN+30]}"));
    assertThat(calls).containsExactly(
        new Syscall.Sigprocmask(Syscall.Sigprocmask.How.SIG_BLOCK, (1L << 28) | (1L << 34)),
        new Syscall.Sigprocmask(Syscall.Sigprocmask.How.SIG_SETMASK, 0),
        new Syscall.Sigwait(1L << 9, 250),
        new Syscall.Sigwait(1L << 63, -1));
    for (Syscall c : calls) {
      assertThat(WireTypes.syscall(WireTypes.syscall(c))).isEqualTo(c);
    }
    assertThat(calls.get(0).traceArgs()).containsEntry("set", List.of("SIGIO", "SIGRTMIN+1"));
    assertThat(calls.get(3).name()).isEqualTo("sigwaitinfo");
  }

  @Test
  void badStepsNameTheirLine() {
    assertThatThrownBy(() -> only("  - {at: 0s, proc: A, sigprocmask: sideways, signals: [SIGIO]}"))
        .hasMessageContaining("x.yaml:8").hasMessageContaining("block, unblock or setmask");
    assertThatThrownBy(() -> only("  - {at: 0s, proc: A, sigtimedwait: [SIGIO]}"))
        .hasMessageContaining("x.yaml:8").hasMessageContaining("timeout");
    assertThatThrownBy(() -> only("  - {at: 0s, proc: A, sigwaitinfo: [SIGNOPE]}"))
        .hasMessageContaining("x.yaml:8").hasMessageContaining("unknown signal");
    assertThatThrownBy(() -> only("  - {at: 0s, proc: A, sigwaitinfo: [SIGIO], expect: {code: POLL_IN}}"))
        .hasMessageContaining("x.yaml:8").hasMessageContaining("si_code must be one of");
  }

  @Test
  void aChildInheritsTheMaskNotThePendingSignalsAndIgnoredBlockedSignalsQueue() {
    List<TraceEvent> events = run(
        "  - {at: 0s, proc: A, sigprocmask: block, signals: [SIGUSR1, SIGUSR2, SIGKILL]}",
        "  - {at: 1s, kill: A, signal: SIGUSR1}",
        "  - {at: 2s, proc: A, fork: C}",
        "  - {at: 3s, proc: C, sigtimedwait: [SIGUSR1], timeout: 0s}",
        "  - {at: 3s, kill: C, signal: SIGUSR2}",
        "  - {at: 4s, proc: C, sigtimedwait: [SIGUSR1, SIGUSR2], timeout: 0s}",
        "  - {at: 5s, proc: A, sigprocmask: unblock, signals: [SIGUSR1]}",
        "  - {at: 6s, kill: C, signal: SIGKILL}");
    // C: nothing of A's pending SIGUSR1; its ignored SIGUSR2 was queued because C blocks it, as A did
    assertThat(returns(events, "C")).containsExactly("sigtimedwait=EAGAIN", "sigtimedwait=12");
    // A's SIGUSR1 is handled when A unblocks it, before sigprocmask returns
    assertThat(events.stream().filter(e -> e.proc().equals("A") && e.kind().equals("signal")).map(TraceEvent::t))
        .containsExactly(5000L);
    // SIGKILL was never in the mask
    assertThat(events.stream().filter(e -> e.proc().equals("C") && e.kind().equals("exit")).map(e -> e.arg("signal")))
        .containsExactly("SIGKILL");
  }

  @Test
  void aCheckpointKeepsTheMaskAndThePendingSignals() {
    List<TraceEvent> events = run(
        "  - {at: 0s, proc: A, sigprocmask: block, signals: [SIGUSR1, SIGRTMIN+1]}",
        "  - {at: 1s, kill: A, signal: SIGRTMIN+1}",
        "  - {at: 1s, kill: A, signal: SIGRTMIN+1}",
        "  - {at: 1s, kill: A, signal: SIGUSR1}",
        "  - {at: 2s, checkpoint: c1}",
        "  - {at: 3s, restart: c1}",
        "  - {at: 4s, proc: A, sigtimedwait: [SIGRTMIN+1], timeout: 0s}",
        "  - {at: 4s, proc: A, sigtimedwait: [SIGRTMIN+1], timeout: 0s}",
        "  - {at: 4s, proc: A, sigtimedwait: [SIGRTMIN+1], timeout: 0s}",
        "  - {at: 5s, proc: A, sigprocmask: setmask, signals: []}");
    assertThat(returns(events, "A")).containsExactly("sigprocmask=0", "sigtimedwait=35", "sigtimedwait=35",
        "sigtimedwait=EAGAIN", "sigprocmask=0");
    assertThat(events.stream().filter(e -> e.proc().equals("A") && e.kind().equals("signal"))
        .map(e -> e.t() + " " + e.arg("signal"))).containsExactly("5000 SIGUSR1");
  }
}
