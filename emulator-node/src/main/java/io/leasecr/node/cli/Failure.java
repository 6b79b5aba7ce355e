package io.leasecr.node.cli;

/**
 * A command that cannot go on, said in words: Main prints {@code emulator: MESSAGE} (no usage, no stack
 * trace) and exits with {@code code}.
 */
final class Failure extends RuntimeException {
  final int code;

  Failure(int code, String message) {
    super(message);
    this.code = code;
  }
}
