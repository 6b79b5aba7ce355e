package io.leasecr.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.leasecr.core.checkpoint.Journal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one configuration of the command line, the cluster node and the drill driver: the
 * {@code LEASE_CR_*} variables (mapped onto keys in {@code lease-cr-environment.conf}, the only place
 * they are read) over {@code -D} properties and application.conf over reference.conf. Flags, where a
 * command has them, win over all of it. A setting that cannot be used is a {@link BadSetting} naming the
 * variable or key it came from.
 */
public final class LeaseCrConfig {

  static final String ENVIRONMENT_FILE = "lease-cr-environment.conf";
  private static final String PREFIX = "LEASE_CR_";

  private final Config config;
  private final Config fromEnvironment;

  private LeaseCrConfig(Config config, Config fromEnvironment) {
    this.config = config;
    this.fromEnvironment = fromEnvironment;
  }

  /** A setting that cannot be used; its message names where it came from. */
  public static final class BadSetting extends RuntimeException {
    public BadSetting(String message) {
      super(message);
    }
  }

  /** This process's environment over {@link ConfigFactory#load()}. */
  public static LeaseCrConfig load() {
    return of(System.getenv(), ConfigFactory.load());
  }

  /**
   * {@code env}'s {@code LEASE_CR_*} variables (a system property of the same name stands in for one
   * that is missing) over {@code base} (application.conf and reference.conf, resolved).
   */
  public static LeaseCrConfig of(Map<String, String> env, Config base) {
    Map<String, String> vars = new HashMap<>();
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(PREFIX))
        .forEach(k -> vars.put(k, System.getProperty(k)));
    env.forEach((k, v) -> {
      if (k.startsWith(PREFIX)) {
        vars.put(k, v);
      }
    });
    vars.values().removeIf(String::isBlank); // an empty variable counts as not set
    Config fromEnv = ConfigFactory.parseResources(LeaseCrConfig.class.getClassLoader(), ENVIRONMENT_FILE)
        .resolveWith(ConfigFactory.parseMap(vars, "LEASE_CR_* environment variables"),
            ConfigResolveOptions.noSystem());
    return new LeaseCrConfig(fromEnv.withFallback(base), fromEnv);
  }

  /** Everything, resolved (the variables applied). */
  public Config config() {
    return config;
  }

  /** Whether {@code path} was set by a LEASE_CR_* variable. */
  public boolean setByEnvironment(String path) {
    return fromEnvironment.hasPath(path);
  }

  /** Where the value of {@code path} came from, for messages: the variable's name, or the key. */
  public String source(String path) {
    return setByEnvironment(path) ? variableFor(path) : path;
  }

  private static String variableFor(String path) {
    return switch (path) {
      case "lease-cr.journal.data" -> "LEASE_CR_DATA";
      case "lease-cr.journal.postgres.url" -> "LEASE_CR_PG_URL";
      case "lease-cr.journal.postgres.user" -> "LEASE_CR_PG_USER";
      case "lease-cr.journal.postgres.password" -> "LEASE_CR_PG_PASSWORD";
      case "lease-cr.node.name" -> "LEASE_CR_NODE_NAME";
      case "lease-cr.node.bind" -> "LEASE_CR_BIND";
      case "lease-cr.node.port" -> "LEASE_CR_PORT";
      case "lease-cr.node.seeds" -> "LEASE_CR_SEEDS";
      case "lease-cr.node.down-removal-margin" -> "LEASE_CR_DOWN_REMOVAL_MARGIN";
      case "lease-cr.node.gossip-interval" -> "LEASE_CR_GOSSIP_INTERVAL";
      case "lease-cr.node.remember-processes" -> "LEASE_CR_REMEMBER_PROCESSES";
      case "lease-cr.drill.node-heap" -> "LEASE_CR_NODE_HEAP";
      case "lease-cr.drill.node-java-opts" -> "LEASE_CR_NODE_JAVA_OPTS";
      case "lease-cr.drill.journal-control.pg-dir" -> "LEASE_CR_PG_DIR";
      case "lease-cr.drill.journal-control.stop-command" -> "LEASE_CR_PG_STOP_CMD";
      case "lease-cr.drill.journal-control.start-command" -> "LEASE_CR_PG_START_CMD";
      case "lease-cr.criu.binary" -> "LEASE_CR_CRIU";
      case "lease-cr.criu.type-guess" -> "LEASE_CR_CRIU_TYPE_GUESS";
      case "lease-cr.cli.stack-traces" -> "LEASE_CR_STACK_TRACES";
      default -> path;
    };
  }

  public String string(String path) {
    try {
      return config.getString(path);
    } catch (ConfigException e) {
      throw new BadSetting(source(path) + ": " + e.getMessage());
    }
  }

  /** {@code lease-cr.criu.type-guess}: CRIU's guess of a broken lease's type in criu mode. */
  public io.leasecr.core.locks.CriuTypeGuess criuTypeGuess() {
    try {
      return io.leasecr.core.locks.CriuTypeGuess.parse(string("lease-cr.criu.type-guess"));
    } catch (IllegalArgumentException e) {
      throw new BadSetting(source("lease-cr.criu.type-guess") + ": " + e.getMessage());
    }
  }

  /** A whole number from {@code min} to {@code max}. */
  public long number(String path, long min, long max) {
    String text = string(path).trim();
    long v;
    try {
      v = Long.parseLong(text.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new BadSetting(source(path) + " must be a whole number from " + min + " to " + max + ", got '" + text + "'");
    }
    if (v < min || v > max) {
      throw new BadSetting(source(path) + " must be from " + min + " to " + max + ", got " + v);
    }
    return v;
  }

  /**
   * The settings every emulated run reads from emulator-core's reference.conf, through variables of their own
   * (LEASE_CR_REUSE_SYSTEMS, LEASE_CR_SPAWN_GROUP): checked before a command starts, since inside a run a bad
   * one fails as the run's actor, naming nothing.
   */
  public void checkRunSettings() {
    String reuse = "lease-cr.run.reuse-systems";
    if (config.hasPath(reuse)) {
      try {
        config.getBoolean(reuse);
      } catch (ConfigException e) {
        throw new BadSetting("LEASE_CR_REUSE_SYSTEMS (" + reuse + ") must be on or off, got '" + raw(reuse) + "'");
      }
    }
    String group = "lease-cr.process.spawn-group";
    if (config.hasPath(group)) {
      int g;
      try {
        g = config.getInt(group);
      } catch (ConfigException e) {
        g = -1;
      }
      if (g < 0) {
        throw new BadSetting("LEASE_CR_SPAWN_GROUP (" + group + ") must be a whole number from 0 (no slices) to "
            + Integer.MAX_VALUE + ", got '" + raw(group) + "'");
      }
    }
  }

  private String raw(String path) {
    return String.valueOf(config.getValue(path).unwrapped());
  }

  public boolean flag(String path) {
    String text = string(path).trim().toLowerCase(java.util.Locale.ROOT);
    return switch (text) {
      case "on", "true", "yes", "1" -> true;
      case "off", "false", "no", "0" -> false;
      default -> throw new BadSetting(source(path) + " must be on or off, got '" + text + "'");
    };
  }

  /** A list given as a HOCON list or as one comma-separated string (as a variable gives it). */
  public List<String> list(String path) {
    ConfigValue v = config.getValue(path);
    List<String> out = new ArrayList<>();
    if (v.valueType() == ConfigValueType.LIST) {
      out.addAll(config.getStringList(path));
    } else {
      for (String s : string(path).split(",")) {
        out.add(s);
      }
    }
    out.replaceAll(String::trim);
    out.removeIf(String::isEmpty);
    return out;
  }

  /** The H2 journal's directory ({@code --data}, else LEASE_CR_DATA, else {@code data}). */
  public Path dataDir() {
    return Path.of(string("lease-cr.journal.data"));
  }

  /** The PostgreSQL URL (LEASE_CR_PG_URL), or null if none is configured. */
  public String postgresUrl() {
    String url = string("lease-cr.journal.postgres.url").trim();
    return url.isEmpty() ? null : url;
  }

  /** The PostgreSQL journal at {@code url} with the configured user and password. */
  public Journal postgres(String url) {
    return Journal.postgres(url, string("lease-cr.journal.postgres.user"), string("lease-cr.journal.postgres.password"));
  }

  /** The PostgreSQL journal, or null if no URL is configured. */
  public Journal postgresOrNull() {
    String url = postgresUrl();
    return url == null ? null : postgres(url);
  }
}
