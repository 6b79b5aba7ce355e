package io.leasecr.node.cluster;

import com.typesafe.config.Config;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.trace.TraceSink;
import io.leasecr.node.drillfile.Drill;
import io.leasecr.node.drillfile.DrillParser;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent;

/** Starts one cluster node: an actor system on Artery with the emulator's sharded entities. */
public final class ClusterNode {

  private ClusterNode() {}

  /** The drill the node serves (its files, processes and placement), or an empty one. */
  public static Drill drill(NodeSettings s) {
    if (s.drillFile() != null) {
      return DrillParser.parse(Path.of(s.drillFile()));
    }
    return Drill.of(ScenarioParser.parse("(no drill)", "name: none\nfiles: []\nprocesses: []\nsteps: []\n"),
        List.of(s.name()), List.of(), s.scale(), Map.of(), Map.of(), Map.of(), Map.of(), java.util.Set.of());
  }

  public static ActorSystem<ClusterEvent.MemberEvent> start(NodeSettings s, Config config, Drill drill,
      TraceSink trace) {
    return ActorSystem.create(NodeGuardian.create(s.name(), drill, trace, System.out, s.journal() != null), NodeSettings.SYSTEM, config);
  }
}
