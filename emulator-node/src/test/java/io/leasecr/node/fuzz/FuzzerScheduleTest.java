package io.leasecr.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * fuzz --jobs N: the programs that change a sysctl mid-run (each has the machine's lease sysctls alone) start
 * after all the others, each group in index order; with one job or a time limit the order is the index's.
 */
class FuzzerScheduleTest {

  private static boolean alone(long seed, int i) {
    return ProgramGenerator.generate(seed, i).ops().stream().anyMatch(op -> op.body().startsWith("sysctl:"));
  }

  @Test
  void programsThatChangeASysctlStartLastWithMoreThanOneJob() {
    Fuzzer f = new Fuzzer(7, null, null, null, 0);
    int[] order = f.schedule(100, 40, Duration.ofDays(365), 2);
    List<Integer> shared = new ArrayList<>();
    List<Integer> alone = new ArrayList<>();
    for (int k = 0; k < 40; k++) {
      (alone(7, 100 + k) ? alone : shared).add(k);
    }
    assertThat(alone).isNotEmpty(); // seed 7's first 40 programs from 100 have some: the test means something
    List<Integer> want = new ArrayList<>(shared);
    want.addAll(alone);
    assertThat(order).containsExactly(want.stream().mapToInt(Integer::intValue).toArray());
  }

  @Test
  void oneJobOrATimeLimitKeepsTheIndexOrder() {
    Fuzzer f = new Fuzzer(7, null, null, null, 0);
    assertThat(f.schedule(0, 40, Duration.ofDays(365), 1)).isNull();
    assertThat(f.schedule(0, 40, Duration.ofMinutes(5), 2)).isNull();
  }
}
