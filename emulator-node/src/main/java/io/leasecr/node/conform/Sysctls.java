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
  private String ours;
  private String oursEnable;

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
    if (name.equals("fs.lease-break-time")) {
      ours = String.valueOf(value);
    } else {
      oursEnable = String.valueOf(value);
    }
  }

  /**
   * Whether the sysctls still hold what this run set: they are machine-wide, and another conformance run (another
   * JVM, another user of the machine) may set them in the middle of ours. Null if they do, else what changed.
   */
  String disturbed() {
    try {
      String b = read(BREAK_TIME);
      String e = read(ENABLE);
      if (ours != null && !ours.equals(b)) {
        return "fs.lease-break-time was changed to " + b + " by someone else during the run (this run set " + ours + ")";
      }
      if (oursEnable != null && !oursEnable.equals(e)) {
        return "fs.leases-enable was changed to " + e + " by someone else during the run (this run set " + oursEnable + ")";
      }
      return null;
    } catch (IOException ex) {
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    Files.writeString(BREAK_TIME, breakTime + "\n");
    Files.writeString(ENABLE, enable + "\n");
  }
}
