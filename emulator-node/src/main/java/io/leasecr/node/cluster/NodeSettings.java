package io.leasecr.node.cluster;

import com.typesafe.config.Config;
import io.leasecr.core.checkpoint.Journal;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one cluster node needs: its name, address, seeds, roles, journal, drill and trace. Each setting
 * comes from a flag, else an environment variable, else {@code lease-cr.node} in application.conf.
 * The node binds to loopback unless {@code --bind} names another address explicitly.
 */
public record NodeSettings(String name, String bind, int port, List<String> seeds, Set<String> roles,
    Journal journal, String drillFile, String traceFile, long originEpochMs, long stableAfterMs, long joinTimeoutMs,
    double scale) {

  public static final String SYSTEM = "lease-cr";

  /** A setting that cannot be used (the command turns it into a usage error). */
  public static final class BadSetting extends RuntimeException {
    public BadSetting(String message) {
      super(message);
    }
  }

  public static NodeSettings parse(String[] args, Map<String, String> env, Config conf) {
    Config c = conf.getConfig("lease-cr.node");
    String name = null;
    String bind = null;
    Integer port = null;
    List<String> seeds = new ArrayList<>();
    Set<String> roles = new LinkedHashSet<>();
    String pgUrl = null;
    String drill = null;
    String trace = null;
    long origin = 0;
    Long stableAfter = null;
    long joinTimeout = 30_000;
    double scale = 1.0;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      if (v == null || v.startsWith("--")) {
        throw new BadSetting("option " + a + " needs a value");
      }
      i++;
      switch (a) {
        case "--name" -> name = v;
        case "--bind" -> bind = v;
        case "--port" -> port = number(a, v);
        case "--seed" -> seeds.addAll(split(v));
        case "--role" -> roles.addAll(split(v));
        case "--pg-url" -> pgUrl = v;
        case "--drill" -> drill = v;
        case "--trace" -> trace = v;
        case "--origin" -> origin = longNumber(a, v);
        case "--stable-after" -> stableAfter = (long) number(a, v);
        case "--join-timeout" -> joinTimeout = number(a, v);
        case "--scale" -> scale = scale(v);
        default -> throw new BadSetting("unknown option " + a);
      }
    }
    boolean explicitBind = bind != null;
    if (bind == null) {
      bind = env.getOrDefault("LEASE_CR_BIND", c.getString("bind"));
      explicitBind = env.containsKey("LEASE_CR_BIND");
    }
    if (!explicitBind && !loopback(bind)) {
      throw new BadSetting("refusing to bind the cluster node to " + bind
          + " (not loopback): give --bind " + bind + " explicitly to expose it");
    }
    if (port == null) {
      port = env.containsKey("LEASE_CR_PORT") ? number("LEASE_CR_PORT", env.get("LEASE_CR_PORT")) : c.getInt("port");
    }
    if (seeds.isEmpty() && env.containsKey("LEASE_CR_SEEDS")) {
      seeds.addAll(split(env.get("LEASE_CR_SEEDS")));
    }
    if (seeds.isEmpty()) {
      seeds.addAll(c.getStringList("seeds"));
    }
    if (seeds.isEmpty()) {
      seeds.add(bind + ":" + port); // the first node of a cluster seeds itself
    }
    for (String s : seeds) {
      if (!s.matches("[^:\\s]+:\\d+")) {
        throw new BadSetting("a seed must be host:port, got '" + s + "'");
      }
    }
    if (roles.isEmpty()) {
      roles.addAll(c.getStringList("roles"));
    }
    if (name == null) {
      name = env.getOrDefault("LEASE_CR_NODE_NAME", "node-" + port);
    }
    roles.add(name); // a node's name is also a role: placement finds nodes by it
    if (pgUrl == null) {
      pgUrl = env.get("LEASE_CR_PG_URL");
    }
    Journal journal = pgUrl == null ? null : Journal.postgres(pgUrl, env.getOrDefault("LEASE_CR_PG_USER", "postgres"),
        env.getOrDefault("LEASE_CR_PG_PASSWORD", ""));
    long stable = stableAfter != null ? stableAfter : c.getDuration("stable-after").toMillis();
    return new NodeSettings(name, bind, port, List.copyOf(seeds), Set.copyOf(roles), journal, drill, trace, origin,
        stable, joinTimeout, scale);
  }

  /** Emulated seconds per wall second: how much faster than the wall clock the node's emulated time runs. */
  public static double scale(String v) {
    try {
      double d = Double.parseDouble(v);
      if (d > 0 && d <= 1000) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadSetting("--scale needs a number above 0 and at most 1000, got '" + v + "'");
  }

  private static int number(String what, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new BadSetting(what + " needs a whole number, got '" + v + "'");
    }
  }

  private static long longNumber(String what, String v) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new BadSetting(what + " needs a whole number, got '" + v + "'");
    }
  }

  private static List<String> split(String v) {
    List<String> out = new ArrayList<>();
    for (String s : v.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }

  static boolean loopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new BadSetting("unknown host " + host);
    }
  }

  /** How long after a crash (kill -9) the split-brain resolver downs the node, at most, with this config. */
  public long expectedDowningMs(Config conf) {
    long pause = conf.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause").toMillis();
    long interval = conf.getDuration("pekko.cluster.failure-detector.heartbeat-interval").toMillis();
    long gossip = conf.getDuration("pekko.cluster.gossip-interval").toMillis();
    return pause + 2 * interval + stableAfterMs + 2 * gossip;
  }
}
