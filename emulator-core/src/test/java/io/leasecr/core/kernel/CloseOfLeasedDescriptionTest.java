package io.leasecr.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.trace.TraceEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A close that drops a lease returns only after its table has dropped it (emulator fuzz, seed 61206 program 4755):
 * in the kernel the lease goes inside close (__fput's locks_remove_file, before the return to user space), so a
 * break signal sent before that is pending when close returns and its handler runs first. Here P1 and P2 both wake
 * at the downgrade deadline; P2's O_WRONLY open breaks the read lease (SIGIO to P1) just before P1's close reaches
 * the table. The kernel runs this either way round (a race at the same instant); what it never shows is the
 * handler after {@code close = 0}, as the emulator did.
 */
class CloseOfLeasedDescriptionTest {

  /** P1's signals and its close's return in the order P1 saw them, from the seed-61206 program. */
  private static List<String> p1(String beforeBreak, int closeFd) {
    return p1(beforeBreak, "close: " + closeFd + ", expect: 0", "close");
  }

  private static List<String> p1(String beforeBreak, String closing, String call) {
    String yaml = "name: x\nsysctl: {fs.lease-break-time: 1}\nfiles:\n  - path: /data/F1\n  - path: /data/F2\n"
        + "processes:\n"
        + "  - {name: P1, pid: 101, signals: {SIGIO: handler}}\n  - {name: P2, pid: 102}\nsteps:\n"
        + "  - {at: 0ms, proc: P1, open: /data/F1, flags: O_RDWR}\n"
        + "  - {at: 0ms, proc: P1, fcntl: F_SETLEASE, fd: 3, arg: F_WRLCK}\n"
        + beforeBreak
        + "  - {at: 572ms, proc: P2, open: /data/F1, flags: O_RDONLY}\n"
        + "  - {at: 858ms, proc: P1, open: /data/F1, flags: O_RDONLY}\n"
        + "  - {at: 1144ms, proc: P2, open: /data/F1, flags: O_WRONLY}\n"
        + "  - {at: 1430ms, proc: P1, " + closing + "}\n";
    List<TraceEvent> events = Emulation.run(ScenarioParser.parse("x.yaml", yaml)).events();
    return events.stream().filter(e -> e.pid() == 101 && e.t() >= 1000)
        .filter(e -> e.kind().equals("signal") || e.kind().equals("return") && call.equals(e.call()))
        .map(e -> e.t() + " " + (e.kind().equals("signal") ? "SIGIO" : call + "=" + e.result()))
        .toList();
  }

  @Test
  void aBreakSignalSentBeforeTheLeaseWentIsHandledBeforeCloseReturns() {
    assertThat(p1("", 3)).containsExactly("1572 SIGIO", "1572 close=0");
  }

  @Test
  void theLastFdOfTheDescriptionWaitsTooWhenTheLeaseWasTakenThroughAnother() {
    // fd 4 is a dup of fd 3, through which the lease was taken; closing fd 3 leaves the lease (the description
    // is still open); closing fd 4 drops it
    String dupThenClose = "  - {at: 0ms, proc: P1, dup: 3, expect: 4}\n  - {at: 0ms, proc: P1, close: 3, expect: 0}\n";
    assertThat(p1(dupThenClose, 4)).containsExactly("1572 SIGIO", "1572 close=0");
  }

  @Test
  void aDup2OntoTheLeasedFdReturnsNewfdAfterTheHandlerToo() {
    // dup2 closes the newfd in use first (its lease goes as at a close), then returns newfd
    String otherFile = "  - {at: 0ms, proc: P1, open: /data/F2, flags: O_RDONLY, expect: 4}\n";
    assertThat(p1(otherFile, "dup2: 4, newfd: 3, expect: 3", "dup2")).containsExactly("1572 SIGIO", "1572 dup2=3");
  }
}
