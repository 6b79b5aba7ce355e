package io.leasecr.node.drill;

import io.leasecr.node.cli.Main;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a drill node as its own JVM on loopback, with the classpath of this one; kills it with SIGKILL. */
final class NodeLauncher {

  private NodeLauncher() {}

  static Process start(String name, int port, int seedPort, Path drill, Path out, long originEpochMs, int processes,
      double scale) throws IOException {
    // thousands of entities per node: more heap (LEASE_CR_NODE_HEAP overrides)
    String heap = System.getenv().getOrDefault("LEASE_CR_NODE_HEAP", processes > 1000 ? "768m" : "256m");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        // Artery's test mode: the node takes 'partition MS' on its standard input (FaultControl)
        "-Dpekko.remote.artery.advanced.test-mode=on",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "node",
        "--name", name, "--port", String.valueOf(port), "--seed", "127.0.0.1:" + seedPort,
        "--drill", drill.toString(), "--trace", out.resolve(name + ".jsonl").toString(),
        "--origin", String.valueOf(originEpochMs), "--scale", String.valueOf(scale)));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.resolve(name + ".log").toFile()).start();
  }

  /**
   * Sends a signal ({@code STOP}, {@code CONT}) to a node's JVM with kill(1) (Java has no kill(2)); true
   * if it was delivered, false if the JVM is gone.
   */
  static boolean signal(Process jvm, String sig) {
    if (!jvm.isAlive()) {
      return false;
    }
    try {
      Process kill = new ProcessBuilder("kill", "-" + sig, String.valueOf(jvm.pid())).redirectErrorStream(true).start();
      kill.getInputStream().readAllBytes();
      return kill.waitFor() == 0;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("kill -" + sig + " " + jvm.pid() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
