package io.leasecr.node.conform;

import io.leasecr.node.linux.NativeProgram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this machine can run scenarios on its kernel: Linux, root, gcc, leases enabled. */
public final class KernelSide {

  private KernelSide() {}

  /** The helper binary, or an exception saying why the kernel side cannot run here. */
  public static Path check() throws NativeProgram.Unavailable {
    if (!System.getProperty("os.name").toLowerCase().contains("linux")) {
      throw new NativeProgram.Unavailable("not Linux");
    }
    try {
      String status = Sysctls.read(Path.of("/proc/self/status"));
      if (!status.lines().anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0"))) {
        throw new NativeProgram.Unavailable("not root: the kernel side sets /proc/sys/fs/lease-break-time and "
            + "runs processes as other users");
      }
      if (!Files.isWritable(Sysctls.BREAK_TIME)) {
        throw new NativeProgram.Unavailable(Sysctls.BREAK_TIME + " is not writable");
      }
      if (!Sysctls.read(Sysctls.ENABLE).equals("1")) {
        throw new NativeProgram.Unavailable("leases are disabled (fs.leases-enable = 0)");
      }
    } catch (IOException e) {
      throw new NativeProgram.Unavailable("cannot read kernel settings: " + e.getMessage());
    }
    return NativeProgram.build("lcr_proc");
  }
}
