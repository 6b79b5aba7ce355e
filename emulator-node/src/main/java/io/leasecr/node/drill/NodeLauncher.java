package io.leasecr.node.drill;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a drill node as its own JVM on loopback, with the classpath of this one; kills it with SIGKILL. */
final class NodeLauncher {

  private NodeLauncher() {}

  /**
   * The command line's main class, which the node's JVM runs ({@code emulator node ...}); a name, not
   * {@code Main.class}, so that the drill tooling does not depend on the command line above it
   * (NodeLauncherTest checks that the class exists and is the jar's entry point).
   */
  static final String NODE_MAIN = "io.leasecr.node.cli.Main";

  /** util-linux setpriv(1), which sets the child's parent-death signal, or null if this machine has none. */
  private static final String SETPRIV = java.util.stream.Stream.of("/usr/bin/setpriv", "/bin/setpriv")
      .filter(p -> java.nio.file.Files.isExecutable(Path.of(p))).findFirst().orElse(null);

  /**
   * The node JVM's collector: the serial one for small drills (three or four JVMs share the cores); above 1000
   * processes the parallel one: the serial one's young pauses of 1-2.4 s (a node copying 80-100 MB of restored
   * tables and processes on one thread) fell into the 100k drill's restore (ParallelGC: restores of 4.3-5.7 s
   * after the removal in five runs, SerialGC 5.2-7.9 s in four, the same code paths; BENCHMARKS.md, session 28).
   */
  static String collector(int processes) {
    return processes > 1000 ? "-XX:+UseParallelGC" : "-XX:+UseSerialGC";
  }

  /**
   * Starts the node; must be called on the drill's main thread (the parent-death signal fires when the
   * starting thread ends). {@code verbose}: Pekko's INFO lines in the node's log, not only its warnings.
   */
  static Process start(String name, int port, int seedPort, Path drill, Path out, long originEpochMs, int processes,
      double scale, boolean verbose) throws IOException {
    // thousands of entities per node: more heap (lease-cr.drill.node-heap, LEASE_CR_NODE_HEAP, overrides)
    String heap = io.leasecr.node.config.LeaseCrConfig.load().string("lease-cr.drill.node-heap");
    heap = heap.isBlank() ? (processes > 1000 ? "768m" : "256m") : heap;
    List<String> cmd = new ArrayList<>();
    // nothing outlives the driver: the kernel kills the node when the thread that started it (the drill's
    // main thread) ends, however the driver died, even a node stopped by a pause step; without setpriv the
    // node stops when its standard input (the driver's pipe) closes (FaultControl)
    if (SETPRIV != null) {
      cmd.addAll(List.of(SETPRIV, "--pdeathsig", "KILL"));
    }
    cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, collector(processes), "-XX:TieredStopAtLevel=1", "-Dlease-cr.drill-node=true",
        // the node's log is its standard output (NODE.log in --out): Pekko's warnings (INFO with --verbose)
        "-Dlease-cr.log.console=" + (verbose ? "INFO" : "WARN"), "-Dlogback.configurationFile=logback.xml", "-Dpekko.loglevel=" + (verbose ? "INFO" : "WARNING"),
        // Artery's test mode: the node takes 'partition MS' on its standard input (FaultControl)
        "-Dpekko.remote.artery.advanced.test-mode=on"));
    if (processes > 1000) {
      // thousands of entities: the whole heap from the start (a 100k drill's restore on a growing heap spent
      // 1.0-1.3 s in a full collection of the old generation, SerialOld, in the middle of the restore)
      cmd.add("-Xms" + heap);
      // and no full collections for class metadata: the default high-water mark (about 21 MB) is crossed again
      // and again as a node loads its classes (drill, checkpoint, restore), each time a full collection, 0.3-3.3 s
      // of SerialOld over a heap of 100k-process drills (-Xlog:gc: "Pause Full (Metadata GC Threshold)")
      cmd.add("-XX:MetaspaceSize=256m");
    }
    // more JVM options (a profiler's, e.g. -XX:StartFlightRecording=...), after the drill's own so they win;
    // {node} in them becomes the node's name (one recording file per node)
    String extra = io.leasecr.node.config.LeaseCrConfig.load().string("lease-cr.drill.node-java-opts").trim();
    if (!extra.isEmpty()) {
      for (String opt : extra.split("\\s+")) {
        cmd.add(opt.replace("{node}", name));
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NODE_MAIN, "node",
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
