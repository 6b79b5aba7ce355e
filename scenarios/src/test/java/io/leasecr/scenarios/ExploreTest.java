package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.node.explore.CrInvariants;
import io.leasecr.node.explore.Explorer;
import io.leasecr.node.explore.Variant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code emulator explore} over every scenario of scenarios/checkpoint/ (issue 16 item 5): a sample of each
 * file's moments and subsets in the three restart modes; no invariant may be violated that is not a known
 * property of its mode or policy, the known ones must show up where they should (the seed's stale lease, CRIU's
 * second signal), keep-break must hold them all, and the output must not depend on the number of jobs.
 */
class ExploreTest {

  @TempDir
  Path work;

  private static List<Path> checkpointScenarios() throws IOException {
    try (Stream<Path> s = Files.list(ShippedScenarios.root().resolve("checkpoint"))) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  private static Explorer.Options ci(int depth, int maxRuns, int jobs) {
    return new Explorer.Options(depth, List.of("seed", "criu", "keep-break"), List.of("remaining"), 5000, 4, maxRuns, 4,
        jobs, true, false, 1);
  }

  private static long violations(List<Explorer.Report> reports, String mode, String invariant) {
    return reports.stream().flatMap(r -> r.outcomes().stream())
        .filter(o -> o.variant().mode().equals(mode) && o.verdicts().get(invariant) != null).count();
  }

  @Test
  void everyCheckpointScenarioHoldsItsModesInvariantsWithinTwoMinutes() throws Exception {
    long start = System.nanoTime();
    Explorer explorer = new Explorer(ci(1, 12, 2), null, work);
    List<Explorer.Report> reports = new ArrayList<>();
    Explorer.Report holderOnly = null;
    for (Path f : checkpointScenarios()) {
      boolean cex = f.getFileName().toString().equals("cr-holder-only-restart.yaml");
      reports.add(explorer.explore(f, cex ? work.resolve("cex") : null));
      if (cex) {
        holderOnly = reports.get(reports.size() - 1);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("explore over %d checkpoint scenarios: %d runs in %.1f s%n", reports.size(),
        reports.stream().mapToInt(r -> r.outcomes().size()).sum(), seconds);
    System.out.print(Explorer.table(reports, List.of("seed", "criu", "keep-break"), List.of("remaining")));

    List<String> unknown = new ArrayList<>();
    reports.forEach(r -> unknown.addAll(r.unknownViolations()));
    assertThat(unknown).isEmpty();
    // what the modes are known for shows up: the seed keeps a stale lease, CRIU signals a second time
    assertThat(violations(reports, "seed", CrInvariants.DEADLINE_FORMULA)).isPositive();
    assertThat(violations(reports, "criu", CrInvariants.SIGNALLED_ONCE)).isPositive();
    for (String inv : CrInvariants.ALL) {
      assertThat(violations(reports, "keep-break", inv)).as("keep-break, " + inv).isZero();
    }
    assertThat(reports.stream().flatMap(r -> r.outcomes().stream())
        .filter(o -> o.verdicts().containsKey(CrInvariants.SAME_TRACE)).count()).isPositive();
    // the seed's stale lease after a holder-only restart, as a scenario of its own that runs and shows it
    Path stale = holderOnly.counterexamples().get(CrInvariants.DEADLINE_FORMULA + "|seed|remaining");
    assertThat(stale).isNotNull();
    io.leasecr.core.scenario.Emulation.Result r = io.leasecr.core.scenario.Emulation.run(
        io.leasecr.core.scenario.ScenarioParser.parse(stale));
    assertThat(r.events()).anyMatch(e -> e.kind().equals("lease")
        && String.valueOf(e.arg("change")).contains("no breaker restored"));
    // and beside it its timeline page, the one `emulator run FILE --html` draws
    Path page = stale.resolveSibling(stale.getFileName().toString().replace(".yaml", ".html"));
    assertThat(page).exists();
    assertThat(Files.readString(page)).contains("<svg", "no breaker restored", "data-kind=\"restart\"");
    if (System.getenv("CI") != null) {
      assertThat(seconds).isLessThan(120);
    }
  }

  @Test
  void sameOutputWithOneJobOrTwoWithRecursiveAndKilledCommitRuns() throws Exception {
    Path file = ShippedScenarios.root().resolve("checkpoint/cr-keep-break-holder-only.yaml");
    Explorer.Report one = new Explorer(ci(2, 6, 1), null, work.resolve("one")).explore(file, null);
    Explorer.Report two = new Explorer(ci(2, 6, 2), null, work.resolve("two")).explore(file, null);
    assertThat(Explorer.csv(List.of(two))).isEqualTo(Explorer.csv(List.of(one)));
    assertThat(two.outcomes()).anyMatch(o -> o.variant().depth() == 2);
    assertThat(two.outcomes()).anyMatch(o -> o.variant().levels().stream().anyMatch(l -> l.killedCommit()));
  }

  /** Every file of an output directory, by its path inside it, with its bytes as text. */
  private static java.util.Map<String, String> tree(Path dir) throws IOException {
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(p).toString(), Files.readString(p));
      }
    }
    return out;
  }

  @Test
  void theCommandWritesTheSameFilesWithOneJobOrTwoWhileFilesAndCounterexamplesRunSideBySide() throws Exception {
    // two jobs explore the two files at once and shrink each file's counterexamples at once: the CSV, the shrunk
    // counterexamples and their pages must be one job's, byte for byte
    String[] files = {ShippedScenarios.root().resolve("leases/seed-basic.yaml").toString(),
        ShippedScenarios.root().resolve("checkpoint/cr-holder-only-restart.yaml").toString()};
    for (String jobs : List.of("1", "2")) {
      List<String> args = new ArrayList<>(List.of("explore", "--no-progress", "--depth", "1", "--max-runs", "36",
          "--replay-every", "0", "--jobs", jobs, "--out", work.resolve("jobs" + jobs).toString()));
      args.addAll(List.of(files));
      io.leasecr.node.cli.Main.run(args.toArray(String[]::new));
    }
    java.util.Map<String, String> one = tree(work.resolve("jobs1"));
    assertThat(one).containsKey("explore.csv");
    assertThat(one.keySet().stream().filter(k -> k.startsWith("counterexamples/seed-basic-") && k.endsWith(".yaml")))
        .hasSizeGreaterThan(1);
    assertThat(one.keySet()).anyMatch(k -> k.startsWith("counterexamples/cr-holder-only-restart-") && k.endsWith(".html"));
    assertThat(tree(work.resolve("jobs2"))).isEqualTo(one);
  }

  @Test
  void aScenarioWithAnEndIsExploredUpToItsLastRestart() throws Exception {
    // end: 100s; a checkpoint late in the run puts its restart after 100 s: the explorer moves the end
    Path file = ShippedScenarios.root().resolve("leases/break-time-zero-no-deadline.yaml");
    Explorer.Report r = new Explorer(ci(1, 0, 2), null, work.resolve("end")).explore(file, null);
    assertThat(r.outcomes()).isNotEmpty();
    assertThat(r.outcomes()).allSatisfy(o -> assertThat(o.verdicts().get(CrInvariants.IMAGE_ROUNDTRIP)).isNull());
    assertThat(violations(List.of(r), "keep-break", CrInvariants.NO_CONFLICT)).isZero();
  }

  @Test
  void aBreakThatEndsAfterThePolicysDeadlineBecauseNobodyLookedIsNoViolation() throws Exception {
    // favor-breaker gives the restored break a deadline at the restart; the holder's F_UNLCK comes later and ends it
    // then (F_UNLCK does not time leases out): lazy expiry, as on Linux, not a wrong deadline
    Path file = ShippedScenarios.root().resolve("checkpoint/cr-recursive.yaml");
    Explorer.Options o = new Explorer.Options(1, List.of("keep-break"), List.of("favor-breaker"), 5000, 4, 0, 4, 2, true,
        false, 1);
    Explorer.Report r = new Explorer(o, null, work.resolve("late")).explore(file, null);
    assertThat(r.outcomes()).hasSizeGreaterThan(10);
    assertThat(violations(List.of(r), "keep-break", CrInvariants.DEADLINE_FORMULA)).isZero();
  }

  @Test
  void aLeaseComesBackWithTheProcessThatHoldsItsDescription() throws Exception {
    // P1 sets the lease, forks C1 and closes its fd: the lease lives on in C1's description, so a restart of P1
    // alone brings it back nowhere and a restart of C1 alone brings it back (it was reported the other way round)
    Path file = ShippedScenarios.root().resolve("leases/ownership-fork-shares-lease-owner-signalled.yaml");
    Explorer.Report r = new Explorer(new Explorer.Options(1, List.of("seed", "keep-break"), List.of("remaining"), 5000,
        4, 0, 4, 2, true, false, 1), null, work.resolve("fork")).explore(file, null);
    assertThat(r.outcomes()).anyMatch(o -> o.variant().describe().endsWith("restart P1"))
        .anyMatch(o -> o.variant().describe().endsWith("restart C1"));
    assertThat(violations(List.of(r), "seed", CrInvariants.KEEPS_LEASES)).isZero();
    assertThat(violations(List.of(r), "keep-break", CrInvariants.KEEPS_LEASES)).isZero();
  }

  @Test
  void criuTakesALeaseAgainInTheRestoredProcessThatHoldsItsDescription() throws Exception {
    // P1 sets the lease, forks C1 and exits: at a checkpoint after that, /proc/locks still names P1 (101), and the
    // image does; CRIU's restore of C1 sets the lease again in C1, so its pid is 201 (the explore of the leases
    // library at --max-runs 60 reported this as a violation of cr-keeps-leases); seed and keep-break keep 101
    Path file = ShippedScenarios.root().resolve("leases/ownership-last-close-drops-lease.yaml");
    Explorer.Report r = new Explorer(new Explorer.Options(1, List.of("seed", "criu", "keep-break"), List.of("remaining"),
        5000, 4, 0, 4, 2, true, false, 1), null, work.resolve("exited")).explore(file, null);
    assertThat(r.outcomes()).anyMatch(o -> o.variant().mode().equals("criu") && o.variant().describe().contains("500ms")
        && o.variant().describe().endsWith("restart C1"));
    for (String mode : List.of("seed", "criu", "keep-break")) {
      assertThat(violations(List.of(r), mode, CrInvariants.KEEPS_LEASES)).as(mode).isZero();
    }
    assertThat(r.outcomes()).anyMatch(o -> o.variant().mode().equals("criu") && o.events().stream().anyMatch(e ->
        e.kind().equals("lease") && e.pid() == 201 && String.valueOf(e.arg("change")).startsWith("restored")));
  }

  @Test
  void aRestartAfterAKilledCommitHoldsItsOpenersToTheOlderImagesBound() throws Exception {
    // checkpoint at 1 s before the signal, restart; checkpoint again at 8.5 s, its commit killed: the restart at
    // 13.5 s goes on from the 1 s image, whose break had its whole 5 s left, so the open returns at 18.5 s; the
    // invariant held it to the killed checkpoint's bound (16 s) and reported it in seed and keep-break
    Path file = ShippedScenarios.root().resolve("leases/holder-opens-own-lease-restart-deadline.yaml");
    Explorer.Report r = new Explorer(new Explorer.Options(2, List.of("seed", "keep-break"), List.of("remaining"), 5000,
        4, 0, 0, 2, true, false, 1), null, work.resolve("killed")).explore(file, null);
    assertThat(r.outcomes()).anyMatch(o -> o.variant().levels().stream().anyMatch(Variant.Level::killedCommit)
        && o.variant().describe().contains("checkpoint at 8500ms"));
    assertThat(violations(List.of(r), "seed", CrInvariants.OPENER_BOUND)).isZero();
    assertThat(violations(List.of(r), "keep-break", CrInvariants.OPENER_BOUND)).isZero();
  }

  @Test
  void theKernelsSecondSignalAndLaterWakeUpAreNoViolations() throws Exception {
    // four shipped scenarios whose own run, with no C/R, did what the kernel does and broke signalled-once or
    // opener-bound: a writer's break of a downgrade-pending lease signals again and moves a sleeping reader's
    // wake-up to the unlock's deadline (fuzz-*), signals for several leases of one holder (sigmask-*), a sleeper
    // killed before its deadline (lazy-expiry-*); a checkpoint at 0 s and a restart of all replays that run
    Explorer.Options o = new Explorer.Options(1, List.of("seed", "keep-break"), List.of("remaining"), 5000, 4, 4, 4, 2,
        true, false, 1);
    for (String f : List.of("leases/fuzz-downgrade-deadline-under-pending-unlock.yaml",
        "leases/fuzz-restarted-open-times-out-overdue-downgrade.yaml", "leases/lazy-expiry-blocked-opener-killed.yaml",
        "signals/sigmask-unblock-delivers-lowest-first.yaml")) {
      Explorer.Report r = new Explorer(o, null, work.resolve(f.replace('/', '-'))).explore(ShippedScenarios.root().resolve(f),
          null);
      assertThat(r.outcomes()).as(f).anyMatch(x -> x.variant().describe().contains("checkpoint at 0s, restart all"));
      // (seed mode's own second signal after a holder-only restart is a known property, not asked here)
      assertThat(violations(List.of(r), "keep-break", CrInvariants.SIGNALLED_ONCE)).as(f).isZero();
      for (String mode : List.of("seed", "keep-break")) {
        assertThat(violations(List.of(r), mode, CrInvariants.OPENER_BOUND)).as(f + " " + mode).isZero();
      }
    }
  }
}
