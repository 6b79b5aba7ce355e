package io.leasecr.node.cli;

import io.leasecr.core.scenario.ScenarioException;
import io.leasecr.node.drill.Drill;
import io.leasecr.node.drill.DrillParser;
import io.leasecr.node.drill.DrillRunner;
import java.nio.file.Path;
import java.util.Set;

/** {@code emulator drill FILE}: a scenario on a cluster of node JVMs with injected node failures. */
final class DrillCommand {

  private DrillCommand() {}

  static int run(String[] args) throws InterruptedException {
    Options o = Options.parse(args, Set.of("--out", "--base-port", "--scale"), Set.of("--verbose"));
    if (o.positional.size() != 1) {
      throw new Main.UsageException("drill needs exactly one drill file");
    }
    Drill drill;
    try {
      drill = DrillParser.parse(Path.of(o.positional.get(0)));
    } catch (ScenarioException e) {
      System.err.println("emulator: " + e.getMessage());
      return Main.BAD_INPUT;
    }
    if (o.has("--scale")) {
      drill = drill.withScale(scale(o.get("--scale", "1")));
    }
    int basePort = (int) o.number("--base-port", 25700);
    if (basePort < 1024 || basePort + drill.allNodes().size() > 65535) {
      throw new Main.UsageException("--base-port must leave room for the driver and "
          + drill.allNodes().size() + " nodes between 1024 and 65535, got " + basePort);
    }
    String refused = DrillRunner.refusal(drill, System.getenv());
    if (refused != null) {
      System.err.println("emulator: " + refused);
      return Main.BAD_INPUT;
    }
    Path out = Path.of(o.get("--out", "drill-out"));
    try {
      boolean passed = new DrillRunner(drill, Path.of(o.positional.get(0)), out, basePort, System.out,
          o.has("--verbose")).run();
      return passed ? Main.OK : Main.FAILED;
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      System.err.println("emulator: the drill failed: " + e.getMessage());
      return Main.FAILED;
    }
  }

  private static double scale(String v) {
    try {
      return io.leasecr.node.cluster.NodeSettings.scale(v);
    } catch (io.leasecr.node.cluster.NodeSettings.BadSetting e) {
      throw new Main.UsageException(e.getMessage());
    }
  }
}
