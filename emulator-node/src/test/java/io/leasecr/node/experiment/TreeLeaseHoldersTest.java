package io.leasecr.node.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.time.TimeMode;
import io.leasecr.core.trace.TraceJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tree: lease-holders} (issue 17 item 1's "1% of them holding leases under break"): that share of the
 * added processes, spread evenly, takes the holder's lease type on its first file, the breaker starts a break
 * on each with an O_NONBLOCK open at the break's instant, and all of them are under break at the checkpoint.
 */
class TreeLeaseHoldersTest {

  private static final Path SEED = Path.of("../scenarios/experiments/seed-40s-into-break.yaml");

  @TempDir Path tmp;

  @Test
  void onePercentOfTheTreeHoldsLeasesThatAreUnderBreakAtTheCheckpoint() {
    Experiment e = ExperimentParser.parse(SEED).withLeaseHolders(1);
    List<String> trace = trace(e, 301); // 300 added processes: T100, T200 and T300 hold leases
    List<String> acquired = trace.stream().filter(l -> l.contains("\"change\":\"acquired\"")).toList();
    assertThat(acquired).hasSize(4);
    assertThat(acquired.stream().filter(l -> l.contains("/tree/")))
        .allMatch(l -> l.contains("\"type\":\"WRITE\"")) // the holder's type (F_WRLCK in the seed)
        .anyMatch(l -> l.contains("/tree/100/0")).anyMatch(l -> l.contains("/tree/200/0"))
        .anyMatch(l -> l.contains("/tree/300/0"));
    // the breaker's three non-blocking opens start the breaks at 1 s and return EWOULDBLOCK
    assertThat(trace.stream().filter(l -> l.contains("\"t\":1000,") && l.contains("\"errno\":\"EWOULDBLOCK\"")
        && l.contains("\"proc\":\"P2\""))).hasSize(3);
    assertThat(trace.stream().filter(l -> l.contains("\"t\":1000,") && l.contains("\"kind\":\"signal\"")))
        .hasSize(4); // P1 and the three tree holders told at the break
    // the image holds all four, still under break 40 s into it
    assertThat(trace).anyMatch(l -> l.contains("\"kind\":\"checkpoint\"") && l.contains("\"processes\":302")
        && l.contains("\"leases\":4"));
    assertThat(trace.stream().filter(l -> l.contains("\"kind\":\"reaction\"") && l.contains("\"action\":\"release\"")))
        .hasSize(4);
  }

  @Test
  void withoutTheSettingOnlyTheHolderHoldsALease() {
    List<String> trace = trace(ExperimentParser.parse(SEED), 301);
    assertThat(trace).anyMatch(l -> l.contains("\"kind\":\"checkpoint\"") && l.contains("\"leases\":1"));
    assertThat(trace).noneMatch(l -> l.contains("O_NONBLOCK"));
  }

  @Test
  void theShareIsSpreadEvenlyAndRoundsDown() {
    Experiment e = ExperimentParser.parse(SEED).withLeaseHolders(1);
    assertThat(java.util.stream.IntStream.rangeClosed(1, 999_999).filter(e::holdsLease).count()).isEqualTo(9_999);
    assertThat(e.holdsLease(100)).isTrue();
    assertThat(e.holdsLease(99)).isFalse();
    Experiment half = e.withLeaseHolders(50);
    assertThat(java.util.stream.IntStream.rangeClosed(1, 10).filter(half::holdsLease).boxed().toList())
        .containsExactly(2, 4, 6, 8, 10);
    assertThat(e.withLeaseHolders(0).holdsLease(100)).isFalse();
  }

  /** The tree's steps are made on demand from its rule: the same list a loop over the processes writes out. */
  @Test
  void theGeneratedTreeListsTheStepsAndProcessesALoopWould() throws Exception {
    Experiment e = ExperimentParser.parse(file("files-per-process: 2\n  lease-holders: 10%"));
    Experiment.RunPoint p = new Experiment.RunPoint(1, 52, 0, 40_000, "remaining", 0, 1);
    io.leasecr.core.scenario.Scenario s = TrialScenario.build(e, p).scenario();
    List<String> expected = new java.util.ArrayList<>();
    for (int i = 1; i <= 51; i++) {
      int pid = 103 + i - 1;
      for (int f = 0; f < 2; f++) {
        expected.add(pid + " T" + i + " open /tree/" + i + "/" + f);
        if (f == 0 && i % 10 == 0) {
          expected.add(pid + " T" + i + " fcntl 3 F_SETLEASE 1");
        }
      }
    }
    List<io.leasecr.core.scenario.Step> steps = s.steps();
    assertThat(steps).hasSize(102 + 5 + 3 + 5 + 2); // tree, its leases; the base's 3, 5 breaks; C1 and restart
    List<String> tree = new java.util.ArrayList<>();
    for (int k = 0; k < 107; k++) {
      io.leasecr.core.scenario.Step st = steps.get(k);
      assertThat(st.number()).isEqualTo(k + 1);
      io.leasecr.core.scenario.Step.Call c = (io.leasecr.core.scenario.Step.Call) st.action();
      tree.add(c.pid() + " " + c.proc() + " "
          + (c.syscall() instanceof io.leasecr.core.process.Syscall.Open o ? "open " + o.path()
          : c.syscall() instanceof io.leasecr.core.process.Syscall.Fcntl f ? "fcntl " + f.fd() + " " + f.cmd() + " " + f.arg()
          : c.syscall().toString()));
    }
    assertThat(tree).isEqualTo(expected);
    assertThat(steps.subList(107, steps.size())).extracting(io.leasecr.core.scenario.Step::number)
        .containsExactly(108, 109, 110, 111, 112, 113, 114, 115, 116, 117);
    assertThat(s.processes()).hasSize(53);
    assertThat(s.processes().get(2 + 19).spec()).satisfies(spec -> { // T20: a lease holder, child of T2
      assertThat(spec.name()).isEqualTo("T20");
      assertThat(spec.ppid()).isEqualTo(104);
      assertThat(spec.reactions()).isNotEmpty();
    });
    assertThat(s.processes().get(2 + 20).spec().reactions()).isEmpty();
  }

  @Test
  void theFileSaysItAsAPercentageAndBadValuesNameTheLine() throws Exception {
    assertThat(ExperimentParser.parse(file("lease-holders: 0.5%")).leaseHoldersPercent()).isEqualTo(0.5);
    assertThatThrownBy(() -> ExperimentParser.parse(file("lease-holders: 1")))
        .hasMessageContaining("tree.yaml:9").hasMessageContaining("not a percentage");
    assertThatThrownBy(() -> ExperimentParser.parse(file("lease-holders: 101%")))
        .hasMessageContaining("tree.yaml:9").hasMessageContaining("out of range");
    assertThatThrownBy(() -> ExperimentParser.parse(file("lease-holders: 1%\n  files-per-process: 0")))
        .hasMessageContaining("tree.yaml:9").hasMessageContaining("files-per-process");
  }

  private Path file(String treeLine) throws Exception {
    Path base = Path.of("../scenarios/experiments/base/seed-break.yaml").toAbsolutePath().normalize();
    Path f = tmp.resolve("tree.yaml");
    Files.writeString(f, """
        experiment: tree
        scenario: %s
        holder: P1
        breaker: P2
        grid:
          tree-size: 10
          checkpoint-at: 40s
        tree:
          %s
        """.formatted(base, treeLine));
    return f;
  }

  private static List<String> trace(Experiment e, int size) {
    Experiment.RunPoint p = new Experiment.RunPoint(1, size, 0, 40_000, "remaining", 0, 1);
    TrialScenario.Built built = TrialScenario.build(e, p);
    return Emulation.run(built.scenario(), TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(2),
            ConfigFactory.parseMap(Map.of("lease-cr.run.reuse-systems", false, "lease-cr.restore.cost-model", "default")))
        .events().stream().map(TraceJson::line).toList();
  }
}
