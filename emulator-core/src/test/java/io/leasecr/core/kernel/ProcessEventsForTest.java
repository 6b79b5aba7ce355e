package io.leasecr.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link TraceSink#enabledFor}: a sink that reads only some processes' events (an experiment's metrics read the
 * holder's and the breaker's of a large tree) gets those processes' events exactly as a sink that reads all, the
 * other processes' own events (syscalls, signals) not at all, and the run itself is the same.
 */
class ProcessEventsForTest {

  private static final String YAML = "name: x\nsysctl: {fs.lease-break-time: 1}\nfiles:\n  - path: /data/F1\n"
      + "  - path: /data/F2\nprocesses:\n"
      + "  - name: P1\n    pid: 101\n    signals: {SIGIO: handler}\n"
      + "    on_signal:\n      - {signal: SIGIO, do: release, after: 300ms}\n"
      + "  - {name: P2, pid: 102}\n  - {name: P3, pid: 103}\nsteps:\n"
      + "  - {at: 0ms, proc: P1, open: /data/F1, flags: O_RDONLY}\n"
      + "  - {at: 0ms, proc: P1, fcntl: F_SETLEASE, fd: 3, arg: F_RDLCK}\n"
      + "  - {at: 0ms, proc: P3, open: /data/F2, flags: O_RDONLY}\n"
      + "  - {at: 100ms, proc: P2, open: /data/F1, flags: O_WRONLY}\n"
      + "  - {at: 200ms, checkpoint: c1}\n"
      + "  - {at: 200ms, restart: c1, policy: remaining}\n"
      + "  - {at: 250ms, proc: P3, open: /data/F1, flags: O_RDONLY|O_NONBLOCK}\n";

  /** Records what it is given; reads the processes' own events of {@code pid} only (all if pid is 0). */
  private static final class Sink implements TraceSink {
    final List<TraceEvent> events = new ArrayList<>();
    final int pid;

    Sink(int pid) {
      this.pid = pid;
    }

    @Override
    public void emit(TraceEvent event) {
      events.add(event);
    }

    @Override
    public boolean enabledFor(int p) {
      return pid == 0 || p == pid;
    }
  }

  private static Emulation.Result run(Sink sink) {
    Scenario s = ScenarioParser.parse("x.yaml", YAML);
    return Emulation.run(s, ConfigFactory.empty(), sink, Duration.ofMinutes(1));
  }

  @Test
  void onlyTheChosenProcessesOwnEventsAreBuiltAndTheRunIsTheSame() {
    Sink all = new Sink(0);
    Sink holder = new Sink(101);
    List<String> allLocks = run(all).finalLocks();
    List<String> holderLocks = run(holder).finalLocks();

    assertThat(holderLocks).isEqualTo(allLocks);
    // the holder's events (its syscalls and signals, and the lease table's about it) are the same, in order
    assertThat(holder.events.stream().filter(e -> e.pid() == 101).toList())
        .isEqualTo(all.events.stream().filter(e -> e.pid() == 101).toList())
        .extracting(TraceEvent::kind).contains("enter", "return", "signal", "reaction", "lease");
    // the others' own syscalls are not built; what is left is the full trace in its order
    assertThat(all.events).anyMatch(e -> e.pid() == 102 && e.kind().equals("enter"));
    assertThat(all.events).anyMatch(e -> e.pid() == 103 && e.kind().equals("return"));
    assertThat(holder.events).noneMatch(e -> (e.pid() == 102 || e.pid() == 103)
        && (e.kind().equals("enter") || e.kind().equals("return")));
    List<TraceEvent> rest = new ArrayList<>(all.events);
    rest.removeIf(e -> !holder.events.contains(e));
    assertThat(rest).isEqualTo(holder.events);
    assertThat(holder.events).anyMatch(e -> e.kind().equals("checkpoint"))
        .anyMatch(e -> e.kind().equals("restart"));
  }
}
