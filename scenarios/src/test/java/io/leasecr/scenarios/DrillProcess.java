package io.leasecr.scenarios;

import io.leasecr.node.cli.Main;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** `emulator drill` on a shipped drill, in a JVM of its own, for the drill tests. */
final class DrillProcess {

  private DrillProcess() {}

  /**
   * Starts the shipped drill {@code file} (under scenarios/drills) with its traces and logs in {@code out} and its
   * console in {@code console}, its nodes from {@code basePort} (moved by {@link ClusterDrillTest#port});
   * {@code env} sets its environment (the journal's PostgreSQL). A test's own server is never the drill's to
   * stop: LEASE_CR_PG_DIR is not passed on.
   */
  static Process start(String file, int basePort, Path out, Path console, Consumer<Map<String, String>> env)
      throws java.io.IOException {
    ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "drill",
        ShippedScenarios.root().resolve("drills/" + file).toString(), "--out", out.toString(),
        "--base-port", String.valueOf(ClusterDrillTest.port(basePort))))
        .redirectErrorStream(true).redirectOutput(console.toFile());
    pb.environment().remove("LEASE_CR_PG_DIR");
    env.accept(pb.environment());
    return pb.start();
  }
}
