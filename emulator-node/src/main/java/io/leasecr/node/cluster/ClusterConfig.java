package io.leasecr.node.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;

/** The Pekko configuration of a cluster node: Artery on the node's address, seeds, roles, SBR, wall clock. */
public final class ClusterConfig {

  private ClusterConfig() {}

  public static Config of(NodeSettings s) {
    List<String> seeds = s.seeds().stream().map(hp -> "pekko://" + NodeSettings.SYSTEM + "@" + hp).toList();
    Config node = ConfigFactory.empty()
        .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(s.bind()))
        .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(s.port()))
        .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds))
        .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(s.roles()))
        .withValue("pekko.cluster.split-brain-resolver.stable-after",
            ConfigValueFactory.fromAnyRef(s.stableAfterMs() + "ms"))
        // sharding's coordinator waits this long after a region's node is removed before it gives the region's
        // shards new homes (it ignores their GetShardHome meanwhile), as a singleton does before it moves
        .withValue("pekko.cluster.down-removal-margin", ConfigValueFactory.fromAnyRef(
            s.downRemovalMarginMs() > 0 ? s.downRemovalMarginMs() + "ms" : "off"))
        // gossip spreads a downing and its convergence, and the leader removes a downed node on its own tick
        .withValue("pekko.cluster.gossip-interval", ConfigValueFactory.fromAnyRef(s.effectiveGossipMs() + "ms"))
        .withValue("pekko.cluster.leader-actions-interval",
            ConfigValueFactory.fromAnyRef(s.effectiveGossipMs() + "ms"))
        .withValue("lease-cr.time.origin-epoch-ms", ConfigValueFactory.fromAnyRef(s.originEpochMs()))
        .withValue("lease-cr.time.scale", ConfigValueFactory.fromAnyRef(s.scale()))
        .withValue("lease-cr.node.remember-processes", ConfigValueFactory.fromAnyRef(s.remembersProcesses()))
        .withValue("lease-cr.node.name", ConfigValueFactory.fromAnyRef(s.name()));
    // flags and LEASE_CR_* first, then the user's application.conf (or -Dconfig.file: Artery TLS, say),
    // then the node defaults, then reference.conf
    Config all = s.journal() != null ? node.withFallback(s.journal().config()) : node;
    return all.withFallback(ConfigFactory.defaultApplication())
        .withFallback(ConfigFactory.parseResources("cluster-node.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }
}
