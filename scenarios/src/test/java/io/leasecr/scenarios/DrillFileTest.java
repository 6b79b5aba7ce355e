package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.node.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drill files, without a cluster: the shipped drills parse (placement, restart targets, nemesis steps, random
 * fault schedules, block and flow style), malformed ones are refused with their line before any node starts,
 * and a port in use is named in one line. In this JVM, capturing its console, so in the main stream of test
 * classes; the drills themselves run in {@link ClusterDrillTest}.
 */
@UsesConsole
class DrillFileTest {

  @RegisterExtension final CapturedOutput output = new CapturedOutput();

  @TempDir Path tmp;

  @Test
  void aMalformedDrillIsReportedWithItsLineBeforeAnythingStarts() throws Exception {
    String good = Files.readString(ShippedScenarios.root().resolve("drills/breaker-crash.yaml"));
    int line = List.of(good.split("\n")).indexOf("  - {at: 3s, crash: n2}") + 1;
    assertThat(malformed(good.replace("{at: 3s, crash: n2}", "{at: 3s, crash: n9}")))
        .contains("LINE:" + line + ": no node 'n9' (nodes: n1, n2, n3)");
    assertThat(malformed(good.replace("  P2: n2\n", "  P9: n2\n")))
        .contains("placement names 'P9', which is neither a process nor a file of the drill");
    assertThat(malformed(good.replace("{at: 16s, proc_locks: true}", "{at: 16s, proc_locks: true, expect: {locks: []}}")))
        .contains("expectations are not checked in drills");
  }

  /** What `emulator drill` says of this drill text (exit 2 expected), its file's name written as LINE. */
  private String malformed(String text) throws Exception {
    Path bad = tmp.resolve("bad-gen.yaml");
    Files.writeString(bad, text);
    output.reset();
    assertThat(Main.run(new String[] {"drill", bad.toString()})).as(output.err()).isEqualTo(2);
    return output.err().replace(bad + ":", "LINE:");
  }

  @Test
  void malformedScaleKeysAreReportedWithTheirLine() throws Exception {
    String good = Files.readString(ShippedScenarios.root().resolve("drills/crash-10k.yaml"));
    assertThat(malformed(good.replace("processes: 10000", "processes: 0")))
        .contains("LINE:11: generate: processes must be 1..100000, got 0");
    assertThat(malformed(good.replace("over: [n1, n2, n3]", "over: [n1, n9]"))).contains("LINE:12: no node 'n9'");
    assertThat(malformed(good.replace("only_node: n2", "only_node: n7"))).contains("no node 'n7'");
    assertThat(malformed(good.replace("on: [n1, n3]", "on: [n1, n8]"))).contains("no node 'n8'");
    assertThat(malformed(good.replace("on: [n1, n3]", "on: [n2]")))
        .contains("only_node n2: its processes cannot be restarted on the same node");
    assertThat(malformed(good.replace("only_node: n2", "only: [G1], only_node: n2")))
        .contains("write 'only' or 'only_node', not both");
    assertThat(malformed(good.replace("open_generated: O_RDONLY", "open_generated: O_APPEND")))
        .contains("open_generated takes O_RDONLY, O_WRONLY or O_RDWR");
    assertThat(malformed(good.replace("  files: /gen/f\n", "  files: gen/f\n"))).contains("files is a path prefix");
    assertThat(malformed(good.replace("  pid_from: 10001\n", "  pid_from: 10001\n  color: red\n")))
        .contains("color");
    String noGenerate = Files.readString(ShippedScenarios.root().resolve("drills/breaker-crash.yaml"))
        .replace("{at: 16s, proc_locks: true}", "{at: 16s, open_generated: O_RDONLY}");
    assertThat(malformed(noGenerate)).contains("open_generated needs a 'generate:' section");
  }

  @Test
  void pauseAndResumeStepsParseAndMalformedOnesNameTheirLine() throws Exception {
    String good = Files.readString(ShippedScenarios.root().resolve("drills/breaker-crash.yaml"));
    String paused = good.replace("  - {at: 3s, crash: n2}\n",
        "  - {at: 3s, pause: n2, for: 8s}\n  - {at: 4s, pause: n3}\n  - {at: 5s, resume: n3}\n");
    Path file = tmp.resolve("pause.yaml");
    Files.writeString(file, paused);
    io.leasecr.node.drillfile.Drill d = io.leasecr.node.drillfile.DrillParser.parse(file);
    assertThat(d.faults().values()).containsExactlyInAnyOrder(new io.leasecr.node.drillfile.Drill.Pause("n2", 11_000),
        new io.leasecr.node.drillfile.Drill.Pause("n3", 5_000), new io.leasecr.node.drillfile.Drill.Resume("n3"));
    int line = List.of(good.split("\n")).indexOf("  - {at: 3s, crash: n2}") + 1;
    assertThat(malformed(good.replace("{at: 3s, crash: n2}", "{at: 3s, pause: n9}")))
        .contains("LINE:" + line + ": no node 'n9'");
    assertThat(malformed(good.replace("{at: 3s, crash: n2}", "{at: 3s, resume: n2}")))
        .contains("LINE:" + line + ": resume n2: the node is not paused at 3000 ms");
    assertThat(malformed(good.replace("{at: 3s, crash: n2}", "{at: 3s, pause: n2, for: 0s}")))
        .contains("LINE:" + line + ": a pause lasts more than 0 s");
    assertThat(malformed(paused.replace("{at: 4s, pause: n3}", "{at: 4s, pause: n2}")))
        .contains("LINE:" + (line + 1) + ": node n2 is already paused at 4000 ms");
  }

  @Test
  void aGeneratedDrillParsesWithPlacementAndRestartTargets() {
    io.leasecr.node.drillfile.Drill d = io.leasecr.node.drillfile.DrillParser.parse(
        ShippedScenarios.root().resolve("drills/crash-10k.yaml"));
    assertThat(d.scenario().processes()).hasSize(10_000);
    assertThat(d.scenario().vfs().inodes()).hasSize(10_000);
    assertThat(d.placement()).containsEntry("G1", "n1").containsEntry("G2", "n2").containsEntry("/gen/f2", "n2")
        .containsEntry("G3", "n3");
    io.leasecr.core.scenario.Step restart = d.scenario().steps().get(3);
    assertThat(((io.leasecr.core.scenario.Step.Restart) restart.action()).only()).hasSize(3333).contains("G2")
        .doesNotContain("G1");
    assertThat(d.restartTarget(restart.number(), 10_002)).isEqualTo("n1");
    assertThat(d.restartTarget(restart.number(), 10_005)).isEqualTo("n3");
    assertThat(d.candidates(10_002)).containsExactly("n2", "n1");
    // a generated process's own file follows it: its lease table comes back beside the restarted process
    assertThat(d.candidates(d.scenario().vfs().lookup("/gen/f2").ino())).containsExactly("n2", "n1");
    assertThat(d.candidates(d.scenario().vfs().lookup("/gen/f5").ino())).containsExactly("n2", "n3");
    assertThat(d.candidates(d.scenario().vfs().lookup("/gen/f1").ino())).containsExactly("n1");
  }

  @Test
  void malformedSpareNodesScaleAndStartNodeAreReportedWithTheirLine() throws Exception {
    String good = Files.readString(ShippedScenarios.root().resolve("drills/new-node-restart.yaml"));
    assertThat(malformed(good.replace("scale: 2", "scale: 0")))
        .contains("LINE:12: scale is emulated seconds per wall second, above 0 and at most 1000, got 0");
    assertThat(malformed(good.replace("scale: 2", "scale: fast"))).contains("LINE:12:").contains("must be a number");
    assertThat(malformed(good.replace("  - {at: 6s, start_node: n4}\n", "")))
        .contains("node n4 is a spare node not started yet: add - {at: ..., start_node: n4} before this step");
    assertThat(malformed(good.replace("start_node: n4", "start_node: n3")))
        .contains("start_node starts one of the spare_nodes (n4), got 'n3'");
    assertThat(malformed(good.replace("spare_nodes: [n4]", "spare_nodes: [n3]"))).contains("LINE:11: node n3 is listed twice");
    assertThat(malformed(good.replace("  P2: n2\n", "  P2: n4\n"))).contains("LINE:15: placement of P2: no node 'n4'");
  }

  @Test
  void aDrillInBlockStyleParsesAsInFlowStyleAndItsErrorsKeepTheirLine() throws Exception {
    String flow = Files.readString(ShippedScenarios.root().resolve("drills/new-node-restart.yaml"));
    // the same drill with its drill keys and node-level steps in block style, over several lines
    String block = flow.replace("spare_nodes: [n4]", "spare_nodes:\n  - n4")
        .replace("  - {at: 4s, crash: n2}", "  - at: 4s\n    crash: n2")
        .replace("  - {at: 6s, start_node: n4}", "  - at: 6s\n    start_node:\n      n4")
        .replace("  - {at: 26s, restart: C1, only: [P2], on: n4}", "  - at: 26s\n    restart: C1\n    only: [P2]\n    on:\n      - n4");
    assertThat(block).isNotEqualTo(flow);
    Path f = tmp.resolve("flow.yaml");
    Path b = tmp.resolve("block.yaml");
    Files.writeString(f, flow);
    Files.writeString(b, block);
    io.leasecr.node.drillfile.Drill df = io.leasecr.node.drillfile.DrillParser.parse(f);
    io.leasecr.node.drillfile.Drill db = io.leasecr.node.drillfile.DrillParser.parse(b);
    assertThat(db.faults()).isEqualTo(df.faults()).isNotEmpty();
    assertThat(db.restartOn()).isEqualTo(df.restartOn()).isNotEmpty();
    assertThat(db.spares()).isEqualTo(df.spares()).containsExactly("n4");
    assertThat(db.placement()).isEqualTo(df.placement());
    assertThat(db.scenario().steps().stream().map(st -> st.atMs() + " " + st.action()).toList())
        .isEqualTo(df.scenario().steps().stream().map(st -> st.atMs() + " " + st.action()).toList());
    // an error in a block-style step names its own line
    int line = List.of(block.split("\n")).indexOf("    crash: n2") + 1;
    assertThat(malformed(block.replace("    crash: n2", "    crash: n9"))).contains("LINE:" + line + ": no node 'n9'");
    assertThat(malformed(block.replace("    crash: n2", "    crash: n2\n    for: 3s")))
        .contains("LINE:" + (line + 1) + ": 'for' does not go with crash (it takes: at)");
  }

  @Test
  void newNemesisStepsParseAndMalformedOnesNameTheirLine() throws Exception {
    String good = Files.readString(ShippedScenarios.root().resolve("drills/majority-lost.yaml"));
    io.leasecr.node.drillfile.Drill d = io.leasecr.node.drillfile.DrillParser.parse(ShippedScenarios.root().resolve(
        "drills/majority-lost.yaml"));
    assertThat(d.faults().values()).contains(new io.leasecr.node.drillfile.Drill.Crash(List.of("n2", "n3")),
        new io.leasecr.node.drillfile.Drill.Skew("n2", 1500), new io.leasecr.node.drillfile.Drill.Pause("n3", 1500));
    int crash = List.of(good.split("\n")).indexOf("  - {at: 3s, crash: [n2, n3]}") + 1;
    assertThat(malformed(good.replace("crash: [n2, n3]", "crash: [n2, n2]")))
        .contains("LINE:" + crash + ": node n2 is named twice in one crash");
    assertThat(malformed(good.replace("crash: [n2, n3]", "crash: []"))).contains("LINE:" + crash + ": crash needs a node");
    assertThat(malformed(good.replace("  - {at: 20s, proc_locks: true}", "  - {at: 20s, pause: n2}")))
        .contains("node n2 was crashed at 3000 ms");
    assertThat(malformed(good.replace("    by: 1.5s\n", ""))).contains("a skew step needs 'by: 2s'");
    assertThat(malformed(good.replace("by: 1.5s", "by: soon"))).contains("by must be a time like 45s");
    assertThat(malformed(good.replace("  - {at: 20s, proc_locks: true}", "  - {at: 20s, journal: sideways}")))
        .contains("journal takes down or up, got 'sideways'");
    assertThat(malformed(good.replace("  - {at: 20s, proc_locks: true}", "  - {at: 20s, journal: up}")))
        .contains("journal: up, but the journal is not down at 20000 ms");
    assertThat(malformed(good.replace("  - {at: 20s, proc_locks: true}",
        "  - {at: 20s, journal: down, for: 2s}\n  - {at: 21s, journal: down}"))).contains("the journal is already down at 21000 ms");
    assertThat(malformed(good.replace("  - {at: 20s, proc_locks: true}", "  - {at: 20s, crash: n1, proc: P1}")))
        .contains("'proc' does not go with crash");
    // journal steps need a server the drill may stop: refused before anything starts, with the step's line
    String outage = good.replace("  - {at: 20s, proc_locks: true}", "  - {at: 20s, journal: down, for: 2s}");
    Path file = tmp.resolve("outage.yaml");
    Files.writeString(file, outage);
    io.leasecr.node.drillfile.Drill o = io.leasecr.node.drillfile.DrillParser.parse(file);
    int jl = List.of(outage.split("\n")).indexOf("  - {at: 20s, journal: down, for: 2s}") + 1;
    assertThat(io.leasecr.node.drill.DrillRunner.refusal(o, java.util.Map.of()))
        .startsWith(file + ":" + jl + ": no LEASE_CR_PG_URL");
    assertThat(io.leasecr.node.drill.DrillRunner.refusal(o, java.util.Map.of("LEASE_CR_PG_URL",
        "jdbc:postgresql://127.0.0.1:5/x"))).contains("set LEASE_CR_PG_URL to it and either LEASE_CR_PG_DIR");
    assertThat(io.leasecr.node.drill.DrillRunner.refusal(o, java.util.Map.of("LEASE_CR_PG_URL",
        "jdbc:postgresql://127.0.0.1:5/x", "LEASE_CR_PG_DIR", tmp.toString()))).contains("has no PostgreSQL data directory");
    assertThat(io.leasecr.node.drill.DrillRunner.refusal(d, java.util.Map.of())).isNull();
    // the nodes' settings from the environment, in words, before any JVM starts
    assertThat(io.leasecr.node.drill.DrillRunner.refusal(d, java.util.Map.of("LEASE_CR_REMEMBER_PROCESSES",
        "sometimes"))).isEqualTo("LEASE_CR_REMEMBER_PROCESSES must be on, off or auto, got 'sometimes'");
  }

  @Test
  void aRandomFaultScheduleIsReplayableFromItsSeedAndKeepsAMajority() throws Exception {
    String base = Files.readString(ShippedScenarios.root().resolve("drills/breaker-crash.yaml"))
        .replace("  - {at: 3s, crash: n2}\n", "").replace("  - {at: 11s, restart: C1, only: [P2], on: n3}\n", "");
    java.util.function.Function<String, io.leasecr.node.drillfile.Drill> parse = faults -> {
      try {
        Path f = tmp.resolve("random.yaml");
        Files.writeString(f, base.replace("steps:\n", faults + "\nsteps:\n"));
        return io.leasecr.node.drillfile.DrillParser.parse(f);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    String seven = "faults: {seed: 7, count: 12, kinds: [pause, crash, partition, journal, skew], within: 60s}";
    io.leasecr.node.drillfile.Drill a = parse.apply(seven);
    io.leasecr.node.drillfile.Drill b = parse.apply(seven);
    io.leasecr.node.drillfile.Drill other = parse.apply(seven.replace("seed: 7", "seed: 8"));
    assertThat(a.randomFaults()).isEqualTo(b.randomFaults()).isNotEqualTo(other.randomFaults());
    assertThat(a.faults()).isEqualTo(b.faults());
    // printed as the drill steps they expand to, each a valid step of a drill file
    assertThat(a.randomFaults().get(0)).startsWith("(seed 7):");
    assertThat(a.randomFaults().subList(1, a.randomFaults().size())).allMatch(l -> l.matches("- \\{at: [0-9.]+s, \\w+: .*\\}"));
    // the schedule's steps are merged into the file's by time, and keep the majority of 3 nodes: at most one node out
    long crashes = a.faults().values().stream().filter(f -> f instanceof io.leasecr.node.drillfile.Drill.Crash).count();
    assertThat(crashes).isLessThanOrEqualTo(1);
    List<Long> times = a.scenario().steps().stream().map(io.leasecr.core.scenario.Step::atMs).toList();
    assertThat(times).isSorted();
    assertThat(malformed(base.replace("steps:\n", "faults: {seed: 1, count: 3, kinds: [meteor], within: 9s}\nsteps:\n")))
        .contains("faults: unknown kind 'meteor'");
    assertThat(malformed(base.replace("steps:\n", "faults: {seed: 1, count: 3}\nsteps:\n"))).contains("'within' is missing");
  }

  @Test
  void aPortAlreadyInUseIsReportedInOneLineNamingIt() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket()) {
      taken.bind(new java.net.InetSocketAddress("127.0.0.1", ClusterDrillTest.port(30852)));
      int code = Main.run(new String[] {"drill", ShippedScenarios.root().resolve("drills/breaker-crash.yaml").toString(),
          "--out", tmp.resolve("port-out").toString(), "--base-port", String.valueOf(ClusterDrillTest.port(30850))});
      assertThat(code).isEqualTo(1);
      assertThat(output.out().lines().toList()).as(output.out()).containsExactly(
          "ABORTED: port " + ClusterDrillTest.port(30852) + " on 127.0.0.1 (for n2) is already in use: another drill's node or another program "
              + "listens there; stop it or choose another --base-port");
    }
  }
}
