package io.leasecr.node.cluster;

import com.typesafe.config.Config;
import io.leasecr.core.checkpoint.Journal;
import io.leasecr.node.config.LeaseCrConfig;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;

/**
 * What one cluster node needs: its name, address, seeds, roles, journal, drill and trace. Each setting
 * comes from a flag ({@link NodeOptions}), else a LEASE_CR_* variable, else {@code lease-cr.node} in
 * application.conf, else reference.conf (all read through {@link LeaseCrConfig}).
 * The node binds to loopback unless {@code --bind} names another address explicitly.
 */
public record NodeSettings(String name, String bind, int port, List<String> seeds, Set<String> roles,
    Journal journal, String drillFile, String traceFile, long originEpochMs, long stableAfterMs,
    long downRemovalMarginMs, long gossipIntervalMs, String rememberProcesses, long joinTimeoutMs, double scale) {

  public static final String SYSTEM = "lease-cr";

  /** A setting that cannot be used (the command turns it into a usage error). */
  public static final class BadSetting extends RuntimeException {
    public BadSetting(String message) {
      super(message);
    }
  }

  /**
   * Parses the flags with the declarations of {@link NodeOptions} (the parser of {@code emulator node}),
   * then {@link #from}: flags over {@code env}'s LEASE_CR_* over {@code conf}.
   */
  public static NodeSettings parse(String[] args, Map<String, String> env, Config conf) {
    NodeOptions o = new NodeOptions();
    try {
      io.leasecr.node.config.OptionTypes.register(new CommandLine(o)).parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      throw new BadSetting(e.getMessage());
    }
    return from(o, LeaseCrConfig.of(env, conf));
  }

  /** Flags ({@code o}) over the configuration (LEASE_CR_* over application.conf over reference.conf). */
  public static NodeSettings from(NodeOptions o, LeaseCrConfig conf) {
    try {
      return settings(o, conf);
    } catch (LeaseCrConfig.BadSetting e) {
      throw new BadSetting(e.getMessage());
    }
  }

  private static NodeSettings settings(NodeOptions o, LeaseCrConfig conf) {
    String bind = o.bind != null ? o.bind : conf.string("lease-cr.node.bind");
    boolean explicitBind = o.bind != null || conf.setByEnvironment("lease-cr.node.bind");
    String bindSource = o.bind != null ? "--bind" : conf.source("lease-cr.node.bind");
    InetAddress address = resolve(bindSource, bind);
    if (!explicitBind && !address.isLoopbackAddress()) {
      throw new BadSetting("refusing to bind the cluster node to " + bind
          + " (not loopback): give --bind " + bind + " explicitly to expose it");
    }
    if (!local(address)) {
      throw new BadSetting(bindSource + " " + bind + ": not an address of this machine (" + address.getHostAddress()
          + ")");
    }
    int port = o.port != null ? (int) range("--port", o.port, 1, 65535)
        : (int) conf.number("lease-cr.node.port", 1, 65535);
    List<String> seeds = new ArrayList<>(o.seeds.stream().map(String::trim).filter(v -> !v.isEmpty()).toList());
    if (seeds.isEmpty()) {
      seeds.addAll(conf.list("lease-cr.node.seeds"));
    }
    if (seeds.isEmpty()) {
      seeds.add(bind + ":" + port); // the first node of a cluster seeds itself
    }
    for (String s : seeds) {
      if (!s.matches("[^:\\s]+:\\d+")) {
        throw new BadSetting("a seed must be host:port, got '" + s + "'");
      }
    }
    Set<String> roles = new LinkedHashSet<>(o.roles.stream().map(String::trim).filter(v -> !v.isEmpty()).toList());
    if (roles.isEmpty()) {
      roles.addAll(conf.list("lease-cr.node.roles"));
    }
    String name = o.name != null ? o.name : conf.string("lease-cr.node.name");
    if (name.isBlank()) {
      name = "node-" + port;
    }
    roles.add(name); // a node's name is also a role: placement finds nodes by it
    String pgUrl = o.pgUrl != null ? o.pgUrl : conf.postgresUrl();
    Journal journal = pgUrl == null || pgUrl.isBlank() ? null : conf.postgres(pgUrl);
    long stable = o.stableAfter != null ? range("--stable-after", o.stableAfter, 100, 600_000)
        : conf.config().getDuration("lease-cr.node.stable-after").toMillis();
    long margin = o.downRemovalMargin != null ? range("--down-removal-margin", o.downRemovalMargin, 1, 600_000)
        : margin(conf);
    long gossip = o.gossipInterval != null ? range("--gossip-interval", o.gossipInterval, 100, 10_000)
        : gossip(conf);
    long joinTimeout = o.joinTimeout != null ? range("--join-timeout", o.joinTimeout, 100, 3_600_000) : 30_000;
    long origin = o.origin != null ? range("--origin", o.origin, 0, Long.MAX_VALUE / 4) : 0;
    double scale = o.scale != null ? scale(o.scale) : 1.0;
    return new NodeSettings(name, bind, port, List.copyOf(seeds), Set.copyOf(roles), journal, o.drill, o.trace, origin,
        stable, margin, gossip, remember(conf), joinTimeout, scale);
  }

  /**
   * {@code lease-cr.node.down-removal-margin}: a duration from 1 ms to 10 min, or {@code off} (0: Pekko's own
   * default with the split-brain resolver, its stable-after).
   */
  private static long margin(LeaseCrConfig conf) {
    return durationOr(conf, "lease-cr.node.down-removal-margin", "off", 1, 600_000, "500ms", "1ms to 10m");
  }

  /**
   * {@code lease-cr.node.gossip-interval}: a duration from 100 ms to 10 s, or {@code auto} (0: see
   * {@link #forDrill}).
   */
  private static long gossip(LeaseCrConfig conf) {
    return durationOr(conf, "lease-cr.node.gossip-interval", "auto", 100, 10_000, "200ms", "100ms to 10s");
  }

  /** {@code lease-cr.node.remember-processes}: on, off or auto (see {@link #forDrill}). */
  private static String remember(LeaseCrConfig conf) {
    String path = "lease-cr.node.remember-processes";
    String text = conf.string(path).trim().toLowerCase(java.util.Locale.ROOT);
    return switch (text) {
      case "on", "true", "yes" -> "on";
      case "off", "false", "no" -> "off";
      case "auto" -> "auto";
      default -> throw new BadSetting(conf.source(path) + " must be on, off or auto, got '" + text + "'");
    };
  }

  /**
   * The setting at {@code path} in ms: a duration from {@code minMs} to {@code maxMs} ({@code range} in words), or
   * {@code word} (0); anything else is refused naming where it came from ({@code example}: a second duration to
   * show).
   */
  private static long durationOr(LeaseCrConfig conf, String path, String word, long minMs, long maxMs,
      String example, String range) {
    String text = conf.string(path).trim();
    if (text.equals(word)) {
      return 0;
    }
    long ms;
    try {
      ms = conf.config().getDuration(path).toMillis();
    } catch (com.typesafe.config.ConfigException e) {
      throw new BadSetting(conf.source(path) + " must be a duration (1s, " + example + ") or " + word + ", got '"
          + text + "'");
    }
    if (ms < minMs || ms > maxMs) {
      throw new BadSetting(conf.source(path) + " must be from " + range + ", or " + word + ", got '" + text + "'");
    }
    return ms;
  }

  /**
   * The fewest processes of a "big" drill: one whose nodes gossip at {@link #QUICK_GOSSIP_MS} and remember no
   * process entities when not told otherwise ({@link #forDrill}).
   */
  public static final int BIG_DRILL_PROCESSES = 50_000;
  /** The gossip interval of such a drill. */
  public static final long QUICK_GOSSIP_MS = 200;
  /** Pekko's own gossip interval, the default otherwise. */
  public static final long GOSSIP_MS = 1000;

  /**
   * These settings for a node (or the driver) of {@code drill} (null: none): what is given stays, {@code auto}
   * is decided here.
   * <ul>
   * <li>The gossip interval: {@link #QUICK_GOSSIP_MS} for a drill of at least {@link #BIG_DRILL_PROCESSES}
   * processes with no pause, partition, clock skew or random faults, else {@link #GOSSIP_MS}. Why: the leader
   * removes a downed node only on its tick once every member has gossiped that it saw the downing, and a big
   * drill's restart waits for the removal (0.9-2.0 s after the downing at 1 s, 0.33-0.50 s at 200 ms in the 100k
   * drills); but a paused or cut-off node's stale view spreads faster too, and at 200 ms 1 of 4 paused-holder
   * drills under load ended with a healthy node downed with the paused one (BENCHMARKS.md, the 100k drill,
   * session 28).
   * <li>Remembered process entities: on, except in a drill of at least {@link #BIG_DRILL_PROCESSES}
   * processes. There, a removed node's tens of thousands of entities, started again by sharding with nothing
   * to run (their processes were lost with the node), compete with the restart's restore for the same cores and
   * give it nothing: the restore starts each restored process's entity itself (BENCHMARKS.md, session 30).
   * </ul>
   */
  public NodeSettings forDrill(io.leasecr.node.drillfile.Drill drill) {
    return new NodeSettings(name, bind, port, seeds, roles, journal, drillFile, traceFile, originEpochMs,
        stableAfterMs, downRemovalMarginMs,
        gossipIntervalMs > 0 ? gossipIntervalMs : quickGossip(drill) ? QUICK_GOSSIP_MS : GOSSIP_MS,
        !rememberProcesses.equals("auto") ? rememberProcesses : big(drill) ? "off" : "on", joinTimeoutMs, scale);
  }

  /** Whether {@code drill} has at least {@link #BIG_DRILL_PROCESSES} processes. */
  private static boolean big(io.leasecr.node.drillfile.Drill drill) {
    return drill != null && drill.scenario().processes().size() >= BIG_DRILL_PROCESSES;
  }

  /** Whether {@code drill} is big and has none of the faults that a quick gossip makes riskier. */
  public static boolean quickGossip(io.leasecr.node.drillfile.Drill drill) {
    return big(drill) && drill.randomFaults().isEmpty() && drill.faults().values().stream().noneMatch(f ->
            f instanceof io.leasecr.node.drillfile.Drill.Pause || f instanceof io.leasecr.node.drillfile.Drill.Partition
                || f instanceof io.leasecr.node.drillfile.Drill.Skew);
  }

  /** The gossip interval in effect: the one given, or Pekko's 1 s for {@code auto} outside a drill. */
  public long effectiveGossipMs() {
    return gossipIntervalMs > 0 ? gossipIntervalMs : GOSSIP_MS;
  }

  /** Whether process entities are remembered (with a journal): as given, or on for {@code auto} outside a drill. */
  public boolean remembersProcesses() {
    return !rememberProcesses.equals("off");
  }

  /** How long after a removal the removed node's shards and singletons move (Pekko's down-removal-margin). */
  public long effectiveRemovalMarginMs() {
    return downRemovalMarginMs > 0 ? downRemovalMarginMs : stableAfterMs;
  }

  private static long range(String option, long v, long min, long max) {
    if (v < min || v > max) {
      throw new BadSetting(option + " must be from " + min + " to " + max + ", got " + v);
    }
    return v;
  }

  /** Emulated seconds per wall second: how much faster than the wall clock the node's emulated time runs. */
  public static double scale(double d) {
    if (d > 0 && d <= 1000) {
      return d;
    }
    throw new BadSetting("--scale must be above 0 and at most 1000, got " + d);
  }

  private static InetAddress resolve(String source, String host) {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new BadSetting(source + " " + host + ": unknown host");
    }
  }

  /** Whether this machine has {@code a} (loopback, the wildcard, or an interface's address). */
  private static boolean local(InetAddress a) {
    if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
      return true;
    }
    try {
      return NetworkInterface.getByInetAddress(a) != null;
    } catch (SocketException e) {
      return true; // cannot tell: let the bind itself decide
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
