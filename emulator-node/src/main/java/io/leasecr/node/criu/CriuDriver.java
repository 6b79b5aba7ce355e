package io.leasecr.node.criu;

import io.leasecr.node.conform.KernelRun;
import io.leasecr.node.linux.NativeProgram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Checkpoint and restart of the conformance helpers (native/lcr_proc.c) with real CRIU: each helper is dumped
 * alone with {@code criu dump -t PID --file-locks --shell-job}, its connection to the driver declared external
 * ({@code --external unix[INO]}: CRIU cannot dump half of a stream connection), and restored with
 * {@code criu restore -d --file-locks --shell-job --inherit-fd fd[N]:socket:[INO]}, the fd being a new connection
 * native/lcr_criu_restore.c makes before it execs CRIU. The helper keeps its pid; its fd 100 is the new
 * connection, so it answers on it what it had been asked before the dump.
 */
public final class CriuDriver implements KernelRun.CheckpointDriver {

  private static final int FIRST_INHERITED_FD = 200;

  private final Path criu;
  private final Path wrapper;
  /** The socket inode each dumped helper's connection had, by name (restore names it in --inherit-fd). */
  private final java.util.Map<String, Long> sockets = new java.util.concurrent.ConcurrentHashMap<>();
  /** How long each dump and restore took (ms), in order, for the report. */
  private final List<String> timings = new ArrayList<>();

  public CriuDriver(Path criu) throws NativeProgram.Unavailable {
    this.criu = criu;
    this.wrapper = NativeProgram.build("lcr_criu_restore");
  }

  public List<String> timings() {
    return timings;
  }

  @Override
  public void dump(String id, List<KernelRun.Helper> helpers, Path dir) throws IOException, InterruptedException {
    for (KernelRun.Helper h : helpers) {
      List<String> cmd = new ArrayList<>(List.of(criu.toString(), "dump", "-t", String.valueOf(h.realPid()), "-D",
          dir.resolve(h.name()).toString(), "--file-locks", "--shell-job", "-v4", "-o", "dump.log"));
      for (KernelRun.Helper x : h.all()) {
        String link = Files.readSymbolicLink(Path.of("/proc/" + x.realPid() + "/fd/100")).toString();
        if (!link.startsWith("socket:[")) {
          throw new IOException(x.name() + "'s fd 100 is " + link + ", not its connection to the driver");
        }
        long ino = Long.parseLong(link.substring("socket:[".length(), link.length() - 1));
        sockets.put(x.name(), ino);
        cmd.addAll(List.of("--external", "unix[" + ino + "]"));
      }
      Path images = Files.createDirectories(dir.resolve(h.name()));
      long start = System.nanoTime();
      run(h.name(), "dump", images, cmd);
      // CRIU killed them; the pids must be free (reaped) before a restore can take them again
      long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      for (KernelRun.Helper x : h.all()) {
        while (ProcessHandle.of(x.realPid()).isPresent() && System.nanoTime() < limit) {
          TimeUnit.MILLISECONDS.sleep(5);
        }
      }
      timings.add("dump " + id + " " + h.name() + " " + (System.nanoTime() - start) / 1_000_000 + " ms");
    }
  }

  @Override
  public void restore(String id, List<KernelRun.Helper> helpers, Path dir, Path socket)
      throws IOException, InterruptedException {
    for (KernelRun.Helper h : helpers) {
      Path images = dir.resolve(h.name());
      long start = System.nanoTime();
      List<String> cmd = new ArrayList<>(List.of(wrapper.toString(), socket.toString()));
      List<String> inherit = new ArrayList<>();
      int fd = FIRST_INHERITED_FD;
      for (KernelRun.Helper x : h.all()) {
        cmd.addAll(List.of(x.name(), String.valueOf(x.realPid()), String.valueOf(fd)));
        inherit.addAll(List.of("--inherit-fd", "fd[" + fd + "]:socket:[" + sockets.get(x.name()) + "]"));
        fd++;
      }
      cmd.addAll(List.of("--", criu.toString(), "restore", "-d", "-D", images.toString(), "--file-locks",
          "--shell-job", "-v4", "-o", "restore.log"));
      cmd.addAll(inherit);
      run(h.name(), "restore", images, cmd);
      timings.add("restore " + id + " " + h.name() + " " + (System.nanoTime() - start) / 1_000_000 + " ms");
    }
  }

  private static void run(String name, String what, Path images, List<String> cmd)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectInput(new java.io.File("/dev/null"))
        .redirectErrorStream(true).redirectOutput(images.resolve(what + ".out").toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("criu " + what + " of " + name + " did not end in 60 s");
    }
    if (p.exitValue() != 0) {
      throw new CriuFailed(what, name, p.exitValue(), errors(images.resolve(what + ".log")));
    }
  }

  /** CRIU's own error lines from its log (what it says went wrong), or its last line. */
  private static String errors(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      List<String> errors = lines.stream().filter(l -> l.contains("Error (") && !l.contains("RLIMIT_NOFILE"))
          .map(l -> l.replaceFirst("^\\([0-9. ]+\\)\\s*", "")).toList();
      return errors.isEmpty() ? (lines.isEmpty() ? "(empty log)" : lines.get(lines.size() - 1))
          : String.join("; ", errors);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** CRIU refused a dump or a restore: what it said. A finding about CRIU, not a failure of the driver. */
  public static final class CriuFailed extends IOException {
    public final String what;
    public final String proc;
    public final String criuSays;

    CriuFailed(String what, String proc, int code, String criuSays) {
      super("criu " + what + " of " + proc + " failed (exit " + code + "): " + criuSays);
      this.what = what;
      this.proc = proc;
      this.criuSays = criuSays;
    }
  }
}
