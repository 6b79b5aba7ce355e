package io.leasecr.node.cluster;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The flags of {@code emulator node}, declared once: the command mixes them in (so its usage comes from
 * here) and {@link NodeSettings#parse} parses them with the same declarations. Null: not given, the
 * setting comes from LEASE_CR_* or the configuration.
 */
public final class NodeOptions {

  @Option(names = "--name", paramLabel = "NAME",
      description = "the node's name, also one of its roles (LEASE_CR_NODE_NAME; default node-PORT)")
  String name;

  @Option(names = "--bind", paramLabel = "ADDR",
      description = "the address to listen on (LEASE_CR_BIND; default 127.0.0.1); an address that is not "
          + "loopback only when given explicitly")
  String bind;

  @Option(names = "--port", paramLabel = "PORT", description = "1-65535 (LEASE_CR_PORT; default 25520)")
  Integer port;

  @Option(names = "--seed", paramLabel = "HOST:PORT", split = ",",
      description = "a seed node, repeatable or a comma list (LEASE_CR_SEEDS; default: itself)")
  List<String> seeds = new ArrayList<>();

  @Option(names = "--role", paramLabel = "ROLE", split = ",", description = "a cluster role, repeatable (default: node)")
  List<String> roles = new ArrayList<>();

  @Option(names = "--pg-url", paramLabel = "URL",
      description = "the PostgreSQL journal (LEASE_CR_PG_URL, with LEASE_CR_PG_USER and LEASE_CR_PG_PASSWORD); "
          + "none: no journal")
  String pgUrl;

  @Option(names = "--drill", paramLabel = "FILE", description = "the drill file whose scenario the node hosts")
  String drill;

  @Option(names = "--trace", paramLabel = "FILE.jsonl", description = "write this node's trace there")
  String trace;

  @Option(names = "--origin", paramLabel = "EPOCH_MS",
      description = "the wall-clock instant (ms since 1970) where emulated time 0 is (default: the start)")
  Long origin;

  @Option(names = "--stable-after", paramLabel = "MS",
      description = "the split-brain resolver's stable-after, 100-600000 ms (default 3000)")
  Long stableAfter;

  @Option(names = "--down-removal-margin", paramLabel = "MS",
      description = "how long after a node's removal its shards and singletons move elsewhere (Pekko's "
          + "down-removal-margin), 1-600000 ms (LEASE_CR_DOWN_REMOVAL_MARGIN; default 300)")
  Long downRemovalMargin;

  @Option(names = "--gossip-interval", paramLabel = "MS",
      description = "how often the node gossips and, as the leader, acts (Pekko's gossip-interval and "
          + "leader-actions-interval: a downed node is removed on the leader's tick), 100-10000 ms "
          + "(LEASE_CR_GOSSIP_INTERVAL; default 1000)")
  Long gossipInterval;

  @Option(names = "--join-timeout", paramLabel = "MS",
      description = "give up when not a member after this long, 100-3600000 ms (default 30000)")
  Long joinTimeout;

  @Option(names = "--scale", paramLabel = "X",
      description = "emulated seconds per wall second, above 0 and at most 1000 (default 1)")
  Double scale;
}
