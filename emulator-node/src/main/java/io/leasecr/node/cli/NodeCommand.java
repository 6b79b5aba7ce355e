package io.leasecr.node.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.leasecr.core.scenario.ScenarioException;
import io.leasecr.core.trace.TraceSink;
import io.leasecr.node.cluster.ClusterConfig;
import io.leasecr.node.cluster.ClusterNode;
import io.leasecr.node.cluster.JsonlTraceSink;
import io.leasecr.node.cluster.NodeSettings;
import io.leasecr.node.drill.Drill;
import java.nio.file.Path;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * {@code emulator node}: one cluster node (Pekko Cluster over Artery, loopback by default) hosting
 * sharded processes and inode lease tables; runs until killed or downed.
 */
final class NodeCommand {

  private NodeCommand() {}

  static int run(String[] args) throws InterruptedException {
    NodeSettings s;
    Drill drill;
    try {
      s = NodeSettings.parse(args, System.getenv(), ConfigFactory.load());
      drill = ClusterNode.drill(s);
    } catch (NodeSettings.BadSetting e) {
      throw new Main.UsageException(e.getMessage());
    } catch (ScenarioException e) {
      System.err.println("emulator: " + e.getMessage());
      return Main.BAD_INPUT;
    }
    if (s.journal() != null) {
      String problem = io.leasecr.node.cluster.JournalPreflight.check(s.journal(), 5);
      if (problem != null) {
        System.err.println("emulator node " + s.name() + ": " + problem);
        return Main.CANNOT_RUN;
      }
    }
    Config config = ClusterConfig.of(s);
    TraceSink trace = s.traceFile() == null ? TraceSink.NONE : new JsonlTraceSink(Path.of(s.traceFile()));
    System.out.printf("node %s: pekko://%s@%s:%d, seeds %s, roles %s, journal %s%n", s.name(), NodeSettings.SYSTEM,
        s.bind(), s.port(), s.seeds(), s.roles(), s.journal() == null ? "none" : s.journal().describe());
    System.out.printf("node %s: split-brain resolver keep-majority, stable-after %d ms: a crashed node is downed "
        + "within about %d ms%n", s.name(), s.stableAfterMs(), s.expectedDowningMs(config));
    ActorSystem<?> system = ClusterNode.start(s, config, drill, trace);
    // a drill's node listens to its driver from the start: if the driver dies while it joins, it stops
    io.leasecr.node.cluster.FaultControl.listen(system.classicSystem(), s.name(), System.in, System.out, trace);
    java.util.concurrent.CountDownLatch up = new java.util.concurrent.CountDownLatch(1);
    org.apache.pekko.cluster.Cluster.get(system.classicSystem()).registerOnMemberUp(up::countDown);
    if (!up.await(s.joinTimeoutMs(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      System.err.printf("emulator node %s: could not join the cluster through %s within %d ms: no lease-cr node "
          + "(actor system '%s') answered there; is the seed a node of this cluster?%n", s.name(), s.seeds(),
          s.joinTimeoutMs(), NodeSettings.SYSTEM);
      // not system.terminate(): coordinated shutdown would end the JVM with exit code 0 (exit-jvm = on);
      // exiting runs its JVM hook, which stops the actor system, and keeps the code
      System.exit(Main.CANNOT_RUN);
      return Main.CANNOT_RUN;
    }
    system.getWhenTerminated().toCompletableFuture().join();
    if (trace instanceof JsonlTraceSink j) {
      try {
        j.close();
      } catch (java.io.IOException ignored) {
        // the lines are flushed one by one
      }
    }
    return Main.OK;
  }
}
