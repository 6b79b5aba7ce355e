package io.leasecr.scenarios;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The PostgreSQL of the journal, node and drill tests, in this order: the one that {@code LEASE_CR_PG_URL},
 * {@code LEASE_CR_PG_USER} and {@code LEASE_CR_PG_PASSWORD} name (what {@code .ci/postgres.sh} prints, and
 * what CI sets); else, where a Docker engine is reachable, a PostgreSQL container ({@link #image()}) that
 * Testcontainers starts once per JVM, published on loopback; else none, and the test is skipped, or fails under CI, which provides
 * PostgreSQL. JVMs that a test starts get the database through those variables ({@link Db#exportTo}); the
 * command line run inside the test JVM reads a container's from system properties of the same names.
 */
final class TestPostgres {

  static final String MISSING = "no PostgreSQL: set LEASE_CR_PG_URL (e.g. eval \"$(bash .ci/postgres.sh)\") "
      + "or run a Docker engine for Testcontainers";

  private static final String URL = "LEASE_CR_PG_URL";
  private static final String USER = "LEASE_CR_PG_USER";
  private static final String PASSWORD = "LEASE_CR_PG_PASSWORD";

  /** The database and its login; admin* is a superuser's login, to create databases next to it. */
  record Db(String url, String user, String password, String adminUser, String adminPassword) {

    Connection connect() throws Exception {
      return connect(url);
    }

    /** Another database of the same server, as {@link #user}. */
    Connection connect(String otherUrl) throws Exception {
      return DriverManager.getConnection(otherUrl, user, password);
    }

    Connection connectAsAdmin(String otherUrl) throws Exception {
      return DriverManager.getConnection(otherUrl, adminUser, adminPassword);
    }

    /** Into the environment of a JVM to start, as .ci/postgres.sh exports it to the test JVM. */
    void exportTo(Map<String, String> env) {
      env.put(URL, url);
      env.put(USER, user);
      env.put(PASSWORD, password);
    }
  }

  private static Optional<Db> found;
  private static String why = MISSING;

  private TestPostgres() {}

  /** The database, or none: no variables and no Docker engine (looked for once per JVM). */
  static synchronized Optional<Db> find() {
    if (found == null) {
      String url = System.getenv(URL);
      if (url != null && !url.isBlank()) {
        // .ci/postgres.sh's server trusts loopback: the superuser postgres logs in without a password
        found = Optional.of(new Db(url, System.getenv().getOrDefault(USER, "postgres"),
            System.getenv().getOrDefault(PASSWORD, ""), "postgres", ""));
      } else {
        found = dockerAvailable() ? container() : Optional.empty();
      }
    }
    return found;
  }

  /** The database; without one, the test is skipped, or fails under CI. */
  static Db require() {
    return find().orElseGet(() -> {
      if (System.getenv("CI") != null) {
        throw new AssertionError("CI starts PostgreSQL (.ci/run runs .ci/postgres.sh), yet " + why);
      }
      return Assumptions.abort(why);
    });
  }

  private static boolean dockerAvailable() {
    try {
      DockerClientFactory.instance().client(); // throws, saying why, where no engine answers
      return true;
    } catch (Exception | LinkageError e) {
      why = MISSING + " (no Docker engine answered: " + e.getMessage() + ")";
      return false;
    }
  }

  /**
   * The PostgreSQL image: {@code LEASE_CR_PG_IMAGE} if set; else {@code lease-cr/postgres:15} where
   * deploy/images.sh built it from Debian's packages (no registry needed); else the official
   * {@code postgres:15-alpine}, pulled from a registry. A local image stands in for the official one.
   */
  static DockerImageName image() {
    String name = System.getenv("LEASE_CR_PG_IMAGE");
    if (name == null || name.isBlank()) {
      name = localImageExists(LOCAL_IMAGE) ? LOCAL_IMAGE : "postgres:15-alpine";
    }
    return DockerImageName.parse(name).asCompatibleSubstituteFor("postgres");
  }

  static final String LOCAL_IMAGE = "lease-cr/postgres:15";

  private static boolean localImageExists(String name) {
    try {
      DockerClientFactory.instance().client().inspectImageCmd(name).exec();
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static Optional<Db> container() {
    PostgreSQLContainer<?> pg = new PostgreSQLContainer<>(image())
        .withDatabaseName("leasecr").withUsername("leasecr").withPassword("leasecr")
        .withUrlParam("reWriteBatchedInserts", "true")
        // published on loopback only (Docker's default is every interface of the machine)
        .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(
            new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(PostgreSQLContainer.POSTGRESQL_PORT))));
    try {
      pg.start();
      // stopped when the JVM exits: by this hook, also where Ryuk (Testcontainers' reaper) cannot run
      Runtime.getRuntime().addShutdownHook(new Thread(pg::stop, "stop-test-postgres"));
    } catch (RuntimeException e) {
      why = MISSING + " (a Docker engine is reachable, but " + pg.getDockerImageName() + " did not start: " + e + ")";
      return Optional.empty();
    }
    // the image's user is a superuser; the command line in this JVM reads these like the variables
    Db db = new Db(pg.getJdbcUrl(), pg.getUsername(), pg.getPassword(), pg.getUsername(), pg.getPassword());
    System.setProperty(URL, db.url());
    System.setProperty(USER, db.user());
    System.setProperty(PASSWORD, db.password());
    return Optional.of(db);
  }
}
