package io.leasecr.node.cli;

import io.leasecr.core.scenario.ScenarioException;
import io.leasecr.node.cluster.NodeSettings;
import io.leasecr.node.drillfile.Drill;
import io.leasecr.node.drillfile.DrillParser;
import io.leasecr.node.drill.DrillRunner;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code emulator drill FILE}: a scenario on a cluster of node JVMs with injected node failures. */
@Command(name = "drill", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
    description = "Start the drill's nodes on loopback, play it in real time, inject its faults (kill -9, "
        + "partitions), restart processes on surviving nodes, print a timeline per node, check invariants "
        + "(docs/drill-format.md).",
    footer = "Exit codes: 0 every invariant and expectation holds, 1 one failed (or the drill could not finish), "
        + "2 bad input.")
final class DrillCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "the drill file") Path file;

  @Option(names = "--out", paramLabel = "DIR", description = "traces and node logs (default: ${DEFAULT-VALUE})")
  Path out = Path.of("drill-out");

  @Option(names = "--base-port", paramLabel = "P",
      description = "the driver's port; the nodes take the ports after it (1024-65535; default: ${DEFAULT-VALUE})")
  int basePort = 25700;

  @Option(names = "--scale", paramLabel = "X",
      description = "emulated seconds per wall second, above 0 and at most 1000 (overrides the drill's scale:)")
  Double scale;

  @Option(names = "--verbose", description = "Pekko's INFO lines in the node logs, not only its warnings")
  boolean verbose;

  @Option(names = "--attach", description = "the nodes are the services of a compose project (docker-compose.yml "
      + "with deploy/compose-attach.yml; deploy/compose-drill.sh): started with compose up, crashed with docker "
      + "kill -s KILL, paused with docker pause; the driver starts no JVM")
  boolean attach;

  @Option(names = "--compose-file", paramLabel = "FILE", split = ",",
      description = "with --attach: the compose files, in order (default: docker-compose.yml,deploy/compose-attach.yml)")
  java.util.List<Path> composeFiles = java.util.List.of(Path.of("docker-compose.yml"),
      Path.of("deploy", "compose-attach.yml"));

  @Option(names = "--compose-project", paramLabel = "NAME",
      description = "with --attach: the compose project (default: COMPOSE_PROJECT_NAME, else lease-cr-drill)")
  String composeProject;

  @Option(names = "--compose-command", paramLabel = "CMD",
      description = "with --attach: the compose command, 'docker compose' (v2) or 'docker-compose' (1.29) "
          + "(default: v2 where `docker compose version` answers, else docker-compose)")
  String composeCommand;

  @Override
  public Integer call() throws InterruptedException {
    if (scale != null) {
      try {
        NodeSettings.scale(scale);
      } catch (NodeSettings.BadSetting e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    }
    Drill drill;
    try {
      drill = DrillParser.parse(file);
    } catch (ScenarioException e) {
      throw new Failure(Main.BAD_INPUT, e.getMessage());
    }
    if (scale != null) {
      drill = drill.withScale(scale);
    }
    if (basePort < 1024 || basePort + drill.allNodes().size() > 65535) {
      throw new ParameterException(spec.commandLine(), "--base-port must leave room for the driver and "
          + drill.allNodes().size() + " nodes between 1024 and 65535, got " + basePort);
    }
    String refused = DrillRunner.refusal(drill, System.getenv());
    if (refused != null) {
      throw new Failure(Main.BAD_INPUT, refused);
    }
    OutputPaths.checkDirectory("--out", out);
    io.leasecr.node.drill.NodeControl nodes = io.leasecr.node.drill.NodeControl.local();
    if (attach) {
      String project = composeProject != null ? composeProject
          : System.getenv().getOrDefault("COMPOSE_PROJECT_NAME", "lease-cr-drill");
      if (!project.matches("[a-z0-9][a-z0-9_-]*")) {
        throw new ParameterException(spec.commandLine(), "--compose-project must be lower-case letters, digits, "
            + "'-' and '_', got '" + project + "'");
      }
      java.util.List<String> command = composeCommand == null ? io.leasecr.node.drill.ComposeNodes.composeCommand()
          : java.util.List.of(composeCommand.trim().split("\\s+"));
      if (!command.equals(java.util.List.of("docker", "compose"))
          && !command.equals(java.util.List.of("docker-compose"))) {
        throw new ParameterException(spec.commandLine(), "--compose-command must be 'docker compose' or "
            + "'docker-compose', got '" + composeCommand + "'");
      }
      io.leasecr.node.drill.ComposeNodes compose = new io.leasecr.node.drill.ComposeNodes(command, composeFiles,
          project);
      String no = compose.refusal(drill);
      if (no != null) {
        throw new Failure(no.contains("no Docker engine") ? Main.FAILED : Main.BAD_INPUT, no);
      }
      nodes = compose;
    } else if (composeProject != null || composeCommand != null
        || spec.commandLine().getParseResult().hasMatchedOption("--compose-file")) {
      throw new ParameterException(spec.commandLine(), "--compose-file, --compose-project and "
          + "--compose-command only go with --attach");
    }
    try {
      boolean passed = new DrillRunner(drill, file, out, basePort, System.out, verbose).nodes(nodes).run();
      return passed ? Main.OK : Main.FAILED;
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      System.err.println("emulator: the drill failed: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
      return Main.FAILED;
    }
  }
}
