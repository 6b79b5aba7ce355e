package io.leasecr.scenarios;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A PostgreSQL of a test's own, which a drill's journal steps may stop and start: started with
 * {@code .ci/postgres.sh} on a port of its own (needs root and the PostgreSQL binaries, which the script
 * installs with apt if missing); the test is skipped without them, except under CI. The shared database of
 * {@link TestPostgres} is never stopped.
 */
final class OwnPostgres {

  private final String url;
  private final String dir;

  private OwnPostgres(String url, String dir) {
    this.url = url;
    this.dir = dir;
  }

  static OwnPostgres start(int port, Path tmp) throws Exception {
    Path script = ShippedScenarios.root().toAbsolutePath().getParent().resolve(".ci/postgres.sh");
    String missing = !"root".equals(System.getProperty("user.name")) ? "not root (.ci/postgres.sh runs initdb as postgres)"
        : !Files.isRegularFile(script) ? "no " + script
        : !Files.isDirectory(Path.of("/usr/lib/postgresql")) ? "no PostgreSQL binaries under /usr/lib/postgresql" : null;
    if (missing != null) {
      if (System.getenv("CI") != null) {
        throw new AssertionError("a database outage drill needs a PostgreSQL of its own: " + missing);
      }
      Assumptions.abort("a database outage drill needs a PostgreSQL of its own: " + missing);
    }
    ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectError(tmp.resolve("own-pg.err").toFile());
    pb.environment().put("LEASE_CR_PG_PORT", String.valueOf(port));
    pb.environment().remove("TMPDIR");
    Process p = pb.start();
    String env = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("could not start a PostgreSQL on port " + port + ": "
          + Files.readString(tmp.resolve("own-pg.err")));
    }
    String url = value(env, "LEASE_CR_PG_URL");
    String dir = value(env, "LEASE_CR_PG_DIR");
    return new OwnPostgres(url, dir);
  }

  private static String value(String env, String name) {
    for (String line : env.split("\n")) {
      int i = line.indexOf(name + "='");
      if (i >= 0) {
        return line.substring(i + name.length() + 2, line.indexOf('\'', i + name.length() + 2));
      }
    }
    throw new AssertionError(".ci/postgres.sh printed no " + name + ": " + env);
  }

  /** Into a drill's environment: the journal, its login and the directory the drill stops and starts. */
  void exportTo(Map<String, String> env) {
    env.put("LEASE_CR_PG_URL", url);
    env.put("LEASE_CR_PG_USER", "leasecr");
    env.put("LEASE_CR_PG_PASSWORD", "leasecr");
    env.put("LEASE_CR_PG_DIR", dir);
  }

  void stop() throws Exception {
    String bin = null;
    try (var dirs = Files.list(Path.of("/usr/lib/postgresql"))) {
      bin = dirs.map(d -> d.resolve("bin/pg_ctl")).filter(Files::isExecutable).map(Path::toString).sorted()
          .reduce((a, b) -> b).orElse(null);
    }
    if (bin != null) {
      new ProcessBuilder("su", "postgres", "-s", "/bin/sh", "-c", bin + " -D '" + dir + "/data' -m immediate stop")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(60, TimeUnit.SECONDS);
    }
    new ProcessBuilder("rm", "-rf", dir).start().waitFor(30, TimeUnit.SECONDS);
  }
}
