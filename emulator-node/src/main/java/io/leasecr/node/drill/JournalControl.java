package io.leasecr.node.drill;

import com.typesafe.config.ConfigFactory;
import io.leasecr.node.config.LeaseCrConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How a drill stops and starts its journal's PostgreSQL for {@code journal: down/up} steps. Either the
 * commands it was given ({@code LEASE_CR_PG_STOP_CMD}, {@code LEASE_CR_PG_START_CMD}, run with
 * {@code sh -c}), or the server directory {@code .ci/postgres.sh} prints ({@code LEASE_CR_PG_DIR}): pg_ctl
 * stops it ({@code -m fast}) and starts it again as it was started, as the postgres user when run as root.
 * A server directory whose port is not the journal URL's is refused, so a drill never stops a server
 * it does not journal to.
 */
final class JournalControl {

  private static final Pattern PORT = Pattern.compile("jdbc:postgresql://[^/:]+(?::(\\d+))?/");

  private final List<String> stop;
  private final List<String> start;
  private final String what;

  private JournalControl(List<String> stop, List<String> start, String what) {
    this.stop = stop;
    this.start = start;
    this.what = what;
  }

  /** What the drill needs for journal steps, for the refusal. */
  static final String NEEDS = "journal steps stop and start the drill's PostgreSQL: set LEASE_CR_PG_URL to it and "
      + "either LEASE_CR_PG_DIR (the server directory .ci/postgres.sh prints: LEASE_CR_PG_PORT=56432 bash "
      + ".ci/postgres.sh) or LEASE_CR_PG_STOP_CMD and LEASE_CR_PG_START_CMD (shell commands)";

  /** The control the environment describes; throws IllegalStateException saying what is missing or wrong. */
  static JournalControl from(Map<String, String> env) {
    LeaseCrConfig config = LeaseCrConfig.of(env, ConfigFactory.load());
    String url = config.string("lease-cr.journal.postgres.url");
    if (url.isBlank()) {
      throw new IllegalStateException("no LEASE_CR_PG_URL: the drill's journal is H2 in the driver, nothing to stop; "
          + NEEDS);
    }
    String stopCmd = config.string("lease-cr.drill.journal-control.stop-command");
    String startCmd = config.string("lease-cr.drill.journal-control.start-command");
    if (!stopCmd.isBlank() && !startCmd.isBlank()) {
      return new JournalControl(List.of("sh", "-c", stopCmd), List.of("sh", "-c", startCmd),
          "LEASE_CR_PG_STOP_CMD / LEASE_CR_PG_START_CMD");
    }
    String dir = config.string("lease-cr.drill.journal-control.pg-dir");
    if (dir.isBlank()) {
      throw new IllegalStateException(NEEDS);
    }
    Path data = Path.of(dir, "data");
    if (!Files.isRegularFile(data.resolve("PG_VERSION"))) {
      throw new IllegalStateException("LEASE_CR_PG_DIR=" + dir + " has no PostgreSQL data directory (no "
          + data.resolve("PG_VERSION") + "); " + NEEDS);
    }
    Matcher m = PORT.matcher(url);
    String urlPort = m.find() && m.group(1) != null ? m.group(1) : "5432";
    String dirPort = serverPort(data);
    if (dirPort != null && !dirPort.equals(urlPort)) {
      throw new IllegalStateException("LEASE_CR_PG_DIR=" + dir + " is the server on port " + dirPort
          + ", but the journal (LEASE_CR_PG_URL) is on port " + urlPort + ": not stopping a server the drill does not use");
    }
    String pgCtl = pgCtl();
    if (pgCtl == null) {
      throw new IllegalStateException("no pg_ctl under /usr/lib/postgresql/*/bin; " + NEEDS);
    }
    String stopLine = pgCtl + " -D '" + data + "' -m fast -w stop";
    String startLine = pgCtl + " -D '" + data + "' -l '" + Path.of(dir, "server.log") + "' -w -o \"-p " + urlPort + " -k "
        + dir + " -c listen_addresses=127.0.0.1\" start";
    boolean root = "root".equals(System.getProperty("user.name"));
    return new JournalControl(asPostgres(stopLine, root), asPostgres(startLine, root),
        "pg_ctl on " + data + " (port " + urlPort + ")");
  }

  private static List<String> asPostgres(String line, boolean root) {
    return root ? List.of("su", "postgres", "-s", "/bin/sh", "-c", line) : List.of("sh", "-c", line);
  }

  /** The port in postmaster.pid (line 4) of a running server, or null. */
  private static String serverPort(Path data) {
    try {
      List<String> lines = Files.readAllLines(data.resolve("postmaster.pid"));
      return lines.size() > 3 ? lines.get(3).trim() : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static String pgCtl() {
    try (Stream<Path> dirs = Files.list(Path.of("/usr/lib/postgresql"))) {
      return dirs.map(d -> d.resolve("bin/pg_ctl")).filter(Files::isExecutable)
          .max(Comparator.comparing(p -> {
            String v = p.getParent().getParent().getFileName().toString();
            return v.matches("\\d+") ? Integer.parseInt(v) : 0;
          })).map(Path::toString).orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  String describe() {
    return what;
  }

  /** Stops the server; returns null, or what went wrong in a line. */
  String stop() {
    return run(stop, "stop");
  }

  /** Starts the server and waits until it accepts connections; null, or what went wrong. */
  String start() {
    return run(start, "start");
  }

  private String run(List<String> cmd, String verb) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "the " + verb + " command did not finish within 60 s";
      }
      if (p.exitValue() != 0) {
        String text = new String(out, StandardCharsets.UTF_8).trim().replace('\n', ' ');
        return "the " + verb + " command exited " + p.exitValue() + (text.isEmpty() ? "" : ": " + text);
      }
      return null;
    } catch (IOException e) {
      return "cannot run the " + verb + " command: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
