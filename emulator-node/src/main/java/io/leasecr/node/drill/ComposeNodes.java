package io.leasecr.node.drill;

import io.leasecr.node.drillfile.Drill;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The drill's nodes as the services of a compose project ({@code emulator drill --attach}): no JVM is started
 * by the driver. A node is started with {@code compose up -d --no-deps --force-recreate SERVICE}, the
 * driver's settings (port, seed, drill file, trace, the shared origin and scale) handed over as the
 * LEASE_CR_ATTACH_* variables that deploy/compose-attach.yml puts on the node's command line; crashed with
 * {@code docker kill -s KILL}, paused with {@code docker pause}, stopped at the end with {@code docker stop}.
 * The services run on the host's network (loopback, the ports the driver gives them), so the driver and the
 * nodes reach each other as in a local drill, and share the kernel's clock: the origin the driver passes is
 * the nodes' origin too. The drill file's directory and {@code --out} are bind-mounted at the same paths,
 * so the nodes read the same drill and write their traces where the driver reads them. The fault channel
 * (partition, skew) is the container's standard input, written through {@code docker attach}.
 */
public final class ComposeNodes implements NodeControl {

  private final List<String> compose;
  private final String project;
  private final List<Path> files;
  private List<String> services;

  /**
   * {@code compose}: the compose command ({@code docker compose} or {@code docker-compose}); {@code files}
   * its -f files (the first one's directory is the project's); {@code project} its -p name.
   */
  public ComposeNodes(List<String> compose, List<Path> files, String project) {
    this.compose = List.copyOf(compose);
    this.files = files.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    this.project = project;
  }

  /** {@code docker compose} where Compose v2 is installed, else Debian's {@code docker-compose} (1.29). */
  public static List<String> composeCommand() {
    try {
      Process p = new ProcessBuilder("docker", "compose", "version").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return List.of("docker", "compose");
      }
      p.destroyForcibly();
    } catch (IOException e) {
      // no docker at all: the check below says so
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return List.of("docker-compose");
  }

  /**
   * Why this cannot drive the drill's nodes, or null: a compose file missing or unreadable, a node of the
   * drill that is no service of the project, or no engine answering.
   */
  public String refusal(Drill drill) {
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        return "--attach: the compose file " + f + " does not exist (see --compose-file)";
      }
    }
    Result config = run(composeArgs("config", "--services"), Map.of(), 60);
    if (config.code != 0) {
      return "--attach: " + String.join(" ", compose) + " cannot read " + describeFiles() + ": " + config.lastLines(3);
    }
    services = config.out.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    List<String> missing = new ArrayList<>(drill.allNodes());
    missing.removeAll(services());
    if (!missing.isEmpty()) {
      return "--attach: node" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing) + " of the drill "
          + (missing.size() == 1 ? "is no service" : "are no services") + " of " + describeFiles() + " (services: "
          + String.join(", ", new java.util.TreeSet<>(services())) + ")";
    }
    Result info = run(List.of("docker", "info", "--format", "{{.ServerVersion}}"), Map.of(), 30);
    if (info.code != 0) {
      return "--attach: no Docker engine answers (docker info: " + info.firstLine()
          + "); start one (deploy/docker-engine.sh start)";
    }
    return null;
  }

  private List<String> services() {
    return services == null ? List.of() : services;
  }

  private String describeFiles() {
    return String.join(" + ", files.stream().map(Path::toString).toList());
  }

  private List<String> composeArgs(String... args) {
    List<String> cmd = new ArrayList<>(compose);
    cmd.addAll(List.of("-p", project));
    for (Path f : files) {
      cmd.addAll(List.of("-f", f.toString()));
    }
    cmd.addAll(List.of(args));
    return cmd;
  }

  @Override
  public Process start(String name, int port, int seedPort, Path drill, Path out, long originEpochMs,
      int processes, double scale, boolean verbose) throws IOException {
    Path absOut = out.toAbsolutePath().normalize();
    Path absDrill = drill.toAbsolutePath().normalize();
    Map<String, String> env = new HashMap<>();
    env.put("LEASE_CR_ATTACH_PORT", String.valueOf(port));
    env.put("LEASE_CR_ATTACH_SEED_PORT", String.valueOf(seedPort));
    env.put("LEASE_CR_ATTACH_DRILL", absDrill.toString());
    env.put("LEASE_CR_ATTACH_DRILL_DIR", absDrill.getParent().toString());
    env.put("LEASE_CR_ATTACH_OUT", absOut.toString());
    env.put("LEASE_CR_ATTACH_ORIGIN", String.valueOf(originEpochMs));
    env.put("LEASE_CR_ATTACH_SCALE", String.valueOf(scale));
    env.put("LEASE_CR_ATTACH_HEAP", processes > 1000 ? "768m" : "256m");
    env.put("LEASE_CR_ATTACH_LOG", verbose ? "INFO" : "WARN");
    Result up = run(composeArgs("up", "-d", "--no-deps", "--no-build", "--force-recreate", name), env, 180);
    if (up.code != 0) {
      throw new DrillFailure("compose up " + name + " failed: " + up.lastLines(5));
    }
    Result ps = run(composeArgs("ps", "-q", name), Map.of(), 60);
    String id = ps.out.strip();
    if (ps.code != 0 || id.isEmpty() || id.contains("\n")) {
      throw new DrillFailure("compose ps " + name + " found no single container: " + ps.lastLines(3));
    }
    return new Container(name, id, absOut.resolve(name + ".log"));
  }

  @Override
  public boolean signal(Process node, String sig) {
    if (!node.isAlive()) {
      return false;
    }
    Container c = (Container) node;
    String verb = switch (sig) {
      case "STOP" -> "pause";
      case "CONT" -> "unpause";
      default -> throw new IllegalArgumentException("no docker verb for SIG" + sig);
    };
    return run(List.of("docker", verb, c.id), Map.of(), 30).code == 0;
  }

  @Override
  public String describe(Process node) {
    Container c = (Container) node;
    return "its container " + c.name() + " (" + c.id.substring(0, Math.min(12, c.id.length())) + ")";
  }

  @Override
  public String crashWords() {
    return "docker kill -s KILL";
  }

  @Override
  public String pauseWords(boolean pause) {
    return pause ? "docker pause" : "docker unpause";
  }

  @Override
  public String where() {
    return "as services of the compose project " + project + " on 127.0.0.1";
  }

  /**
   * A node's container seen as a process: alive while {@code docker wait} waits for it, its exit code what
   * that prints; its output copied to NODE.log by {@code docker logs -f}.
   */
  static final class Container extends Process {
    private final String service;
    final String id;
    private final Process waiter;
    /** docker logs -f: ends by itself when the container stops. */
    private final Process logs;
    private final long pid;
    private Process attach;
    private Integer exit;

    Container(String service, String id, Path log) throws IOException {
      this.service = service;
      this.id = id;
      this.waiter = new ProcessBuilder("docker", "wait", id).redirectErrorStream(true).start();
      this.logs = new ProcessBuilder("docker", "logs", "-f", id).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      Result inspect = run(List.of("docker", "inspect", "-f", "{{.State.Pid}} {{.Name}}", id), Map.of(), 30);
      long p = 0;
      String nameFound = service;
      try {
        String[] w = inspect.out.strip().split("\\s+");
        p = Long.parseLong(w[0]);
        nameFound = w.length > 1 ? w[1].replaceFirst("^/", "") : service;
      } catch (RuntimeException e) {
        // an exited container has pid 0; the name stays the service's
      }
      this.pid = p;
      this.containerName = nameFound;
    }

    private final String containerName;

    String name() {
      return containerName;
    }

    String service() {
      return service;
    }

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public synchronized OutputStream getOutputStream() {
      if (attach == null || !attach.isAlive()) {
        try {
          attach = new ProcessBuilder("docker", "attach", "--sig-proxy=false", id)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
          Thread.sleep(300); // let the attach connect before the first line is written
        } catch (IOException e) {
          throw new UncheckedIOException("docker attach " + id + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return attach.getOutputStream();
    }

    @Override
    public InputStream getInputStream() {
      return InputStream.nullInputStream();
    }

    @Override
    public InputStream getErrorStream() {
      return InputStream.nullInputStream();
    }

    @Override
    public int waitFor() throws InterruptedException {
      waiter.waitFor();
      return exitValue();
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
      return waiter.waitFor(timeout, unit);
    }

    @Override
    public synchronized int exitValue() {
      if (waiter.isAlive()) {
        throw new IllegalThreadStateException("container " + id + " still runs");
      }
      if (exit == null) {
        try {
          exit = Integer.parseInt(new String(waiter.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
        } catch (IOException | NumberFormatException e) {
          exit = -1;
        }
      }
      return exit;
    }

    @Override
    public boolean isAlive() {
      return waiter.isAlive();
    }

    /** {@code docker stop}: SIGTERM, then SIGKILL after 10 s; returns at once (waitFor waits). */
    @Override
    public void destroy() {
      closeAttach();
      try {
        new ProcessBuilder("docker", "stop", "-t", "10", id).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      } catch (IOException e) {
        throw new UncheckedIOException("docker stop " + id + ": " + e.getMessage(), e);
      }
    }

    /**
     * {@code docker kill -s KILL}: the crash. Returns at once, as {@link Process#destroyForcibly} does (the
     * container is gone a moment later, when {@code docker wait} returns): the driver notes the crash as its
     * own before it can see the container gone, not as a node that exited by itself.
     */
    @Override
    public Process destroyForcibly() {
      closeAttach();
      try {
        new ProcessBuilder("docker", "kill", "-s", "KILL", id).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      } catch (IOException e) {
        throw new UncheckedIOException("docker kill " + id + ": " + e.getMessage(), e);
      }
      return this;
    }

    private synchronized void closeAttach() {
      if (attach != null) {
        attach.destroy();
        attach = null;
      }
    }
  }

  /** A finished command's exit code and output (standard output and error together). */
  record Result(int code, String out) {
    String firstLine() {
      return out.lines().findFirst().orElse("exit code " + code);
    }

    String lastLines(int n) {
      List<String> l = out.lines().filter(s -> !s.isBlank()).toList();
      return l.isEmpty() ? "exit code " + code : String.join(" / ", l.subList(Math.max(0, l.size() - n), l.size()));
    }
  }

  static Result run(List<String> cmd, Map<String, String> env, int timeoutSeconds) {
    Path output = null;
    try {
      output = Files.createTempFile("lcr-docker", ".out");
      ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
      b.environment().putAll(env);
      Process p = b.start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s");
      }
      return new Result(p.exitValue(), Files.readString(output));
    } catch (IOException e) {
      return new Result(-1, cmd.get(0) + " cannot be run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    } finally {
      if (output != null) {
        try {
          Files.deleteIfExists(output);
        } catch (IOException ignored) {
          // a temp file left behind
        }
      }
    }
  }
}
