package io.leasecr.node.conform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The two lease sysctls of the real kernel; what a run changes is always put back. */
final class Sysctls implements AutoCloseable {
  static final Path BREAK_TIME = Path.of("/proc/sys/fs/lease-break-time");
  static final Path ENABLE = Path.of("/proc/sys/fs/leases-enable");

  private final String breakTime;
  private final String enable;

  Sysctls() throws IOException {
    breakTime = Files.readString(BREAK_TIME).strip();
    enable = Files.readString(ENABLE).strip();
  }

  void set(String name, long value) throws IOException {
    Files.writeString(name.equals("fs.lease-break-time") ? BREAK_TIME : ENABLE, value + "\n");
  }

  @Override
  public void close() throws IOException {
    Files.writeString(BREAK_TIME, breakTime + "\n");
    Files.writeString(ENABLE, enable + "\n");
  }
}
