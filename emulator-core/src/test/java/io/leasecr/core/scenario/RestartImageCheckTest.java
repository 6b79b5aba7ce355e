package io.leasecr.core.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leasecr.core.trace.TraceEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart from a checkpoint taken in the same run skips the image check (the run built it from its own files);
 * an image read from a file is still checked against the scenario before any actor hears of it.
 */
class RestartImageCheckTest {

  @Test
  void anImageTakenInTheRunRestoresAndOneFromAFileIsCheckedAgainstTheScenario(@TempDir Path dir) {
    Path img = dir.resolve("c1.img");
    Emulation.Result own = Emulation.run(ScenarioParser.parse("a.yaml", "name: a\nfiles:\n  - path: /data/F1\n"
        + "processes:\n  - {name: P1, pid: 101}\nsteps:\n"
        + "  - {at: 0s, proc: P1, open: /data/F1, flags: O_RDONLY, expect: 3}\n"
        + "  - {at: 0s, proc: P1, fcntl: F_SETLEASE, fd: 3, arg: F_RDLCK, expect: 0}\n"
        + "  - {at: 1s, checkpoint: C1, image: " + img + "}\n"
        + "  - {at: 2s, restart: C1}\n"
        + "  - {at: 2s, proc_locks: true}\n"));
    assertThat(Files.exists(img)).isTrue();
    assertThat(own.events().stream().map(TraceEvent::kind)).contains("checkpoint", "restart");
    assertThat(own.events().stream().filter(e -> e.kind().equals("locks")).map(e -> e.args()).toList().toString())
        .contains("LEASE").contains("READ");

    String other = "name: b\nfiles:\n  - path: /data/F9\nprocesses:\n  - {name: P1, pid: 101}\nsteps:\n"
        + "  - {at: 1s, restart: C1, image: " + img + "}\n";
    assertThatThrownBy(() -> Emulation.run(ScenarioParser.parse("b.yaml", other)))
        .hasMessageContaining("checkpoint C1 cannot be restored here: it has /data/F1, which this scenario does not declare");
  }
}
