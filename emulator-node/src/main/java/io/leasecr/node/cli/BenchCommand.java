package io.leasecr.node.cli;

/** {@code emulator bench}: placeholder until the benchmark lands in this file. */
final class BenchCommand {
  private BenchCommand() {}

  static int run(String[] args) {
    throw new Main.UsageException("bench is not built yet");
  }
}
