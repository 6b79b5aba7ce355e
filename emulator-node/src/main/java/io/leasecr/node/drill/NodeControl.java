package io.leasecr.node.drill;

import java.io.IOException;
import java.nio.file.Path;

/**
 * How the drill driver starts, crashes, pauses and resumes its nodes. {@link #local()}: node JVMs on
 * loopback that the driver starts itself ({@link NodeLauncher}); {@link ComposeNodes}: the services of a
 * compose project (docker-compose.yml with deploy/compose-attach.yml), started with {@code compose up},
 * crashed with {@code docker kill -s KILL}, paused with {@code docker pause} ({@code emulator drill --attach}).
 * A node is handed back as a {@link Process}, so the driver treats both alike: {@code destroyForcibly} is the
 * crash, {@code isAlive} and {@code exitValue} what it watches, {@code getOutputStream} the fault channel.
 */
public interface NodeControl {

  /**
   * Starts node {@code name} on 127.0.0.1:{@code port}, joining through {@code seedPort}, with the drill
   * {@code drill}, its trace and log in {@code out}, the shared axis starting at {@code originEpochMs}.
   */
  Process start(String name, int port, int seedPort, Path drill, Path out, long originEpochMs, int processes,
      double scale, boolean verbose) throws IOException;

  /** Stops ({@code STOP}) or resumes ({@code CONT}) the whole node; false if it is gone. */
  boolean signal(Process node, String sig);

  /** The node in words for the driver's notes: "its JVM (pid 4711)", "its container lease-cr-drill-n2". */
  String describe(Process node);

  /** What a crash does, in words: "kill -9", "docker kill -s KILL". */
  String crashWords();

  /** What a pause and a resume do, in words: "SIGSTOP"/"SIGCONT", "docker pause"/"docker unpause". */
  String pauseWords(boolean pause);

  /** Where the nodes run, for the driver's first line: "on 127.0.0.1", "as compose services of lease-cr-drill". */
  String where();

  /** Node JVMs on loopback, started by the driver (the default). */
  static NodeControl local() {
    return Local.INSTANCE;
  }

  /** {@link #local()}. */
  final class Local implements NodeControl {
    static final Local INSTANCE = new Local();

    private Local() {}

    @Override
    public Process start(String name, int port, int seedPort, Path drill, Path out, long originEpochMs,
        int processes, double scale, boolean verbose) throws IOException {
      return NodeLauncher.start(name, port, seedPort, drill, out, originEpochMs, processes, scale, verbose);
    }

    @Override
    public boolean signal(Process node, String sig) {
      return NodeLauncher.signal(node, sig);
    }

    @Override
    public String describe(Process node) {
      return "its JVM (pid " + node.pid() + ")";
    }

    @Override
    public String crashWords() {
      return "kill -9";
    }

    @Override
    public String pauseWords(boolean pause) {
      return pause ? "SIGSTOP" : "SIGCONT";
    }

    @Override
    public String where() {
      return "on 127.0.0.1";
    }
  }
}
