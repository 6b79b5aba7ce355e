package io.leasecr.core.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leasecr.core.locks.FlockLocks;
import io.leasecr.core.process.Syscall;
import org.junit.jupiter.api.Test;

/** The flock and F_OFD_* steps: what they parse to, and bad ones named with their line. */
class LockStepParserTest {

  private static String scenario(String step) {
    return "name: x\nfiles:\n  - path: /data/F1\nprocesses:\n  - {name: A}\nsteps:\n"
        + "  - {at: 0s, proc: A, open: /data/F1, flags: O_RDWR}\n" + step + "\n";
  }

  private static Syscall last(String step) {
    Scenario s = ScenarioParser.parse("x.yaml", scenario(step));
    return ((Step.Call) s.steps().get(s.steps().size() - 1).action()).syscall();
  }

  @Test
  void flockStepsTakeAnOperationAndLockNb() {
    assertThat(last("  - {at: 1s, proc: A, flock: 3, op: LOCK_EX, nb: true}"))
        .isEqualTo(new Syscall.Flock(3, FlockLocks.LOCK_EX | FlockLocks.LOCK_NB));
    assertThat(last("  - {at: 1s, proc: A, flock: 3, op: LOCK_SH|LOCK_NB}"))
        .isEqualTo(new Syscall.Flock(3, FlockLocks.LOCK_SH | FlockLocks.LOCK_NB));
    assertThat(last("  - {at: 1s, proc: A, flock: 3, op: \"3\"}")).isEqualTo(new Syscall.Flock(3, 3));
    assertThat(last("  - {at: 1s, proc: A, flock: 3, op: LOCK_UN}").traceArgs()).containsEntry("op", "LOCK_UN");
  }

  @Test
  void ofdStepsTakeLPid() {
    assertThat(last("  - {at: 1s, proc: A, fcntl: F_OFD_SETLKW, fd: 3, arg: F_RDLCK, start: 5, len: 10, l_pid: 7}"))
        .isEqualTo(new Syscall.RecordLock(3, Syscall.RecordLock.Cmd.F_OFD_SETLKW, 0, 5, 10, 7));
  }

  @Test
  void badLockStepsNameTheirLine() {
    assertThatThrownBy(() -> last("  - {at: 1s, proc: A, flock: 3, op: LOCK_FOO}"))
        .hasMessageContaining("x.yaml:8").hasMessageContaining("unsupported flock operation 'LOCK_FOO'");
    assertThatThrownBy(() -> last("  - {at: 1s, proc: A, flock: 3}"))
        .hasMessageContaining("x.yaml:8").hasMessageContaining("op");
    assertThatThrownBy(() -> last("  - {at: 1s, proc: A, fcntl: F_SETLK, fd: 3, arg: F_RDLCK, l_pid: 1}"))
        .hasMessageContaining("x.yaml:8").hasMessageContaining("l_pid is for F_OFD_SETLK");
  }
}
