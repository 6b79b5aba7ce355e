package io.leasecr.node.conform;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The two lease sysctls of the real kernel; what a run changes is always put back. */
public final class Sysctls implements AutoCloseable {
  public static final Path BREAK_TIME = Path.of("/proc/sys/fs/lease-break-time");
  static final Path ENABLE = Path.of("/proc/sys/fs/leases-enable");

  private final String breakTime;
  private final String enable;

  Sysctls() throws IOException {
    breakTime = read(BREAK_TIME);
    enable = read(ENABLE);
  }

  /**
   * A /proc file reports size 0, and Files.readString then read only "4" of "45" here: read to EOF
   * through a stream instead.
   */
  public static String read(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
    }
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
