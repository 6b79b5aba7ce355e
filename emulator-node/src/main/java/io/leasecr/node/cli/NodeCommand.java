package io.leasecr.node.cli;

import com.typesafe.config.Config;
import io.leasecr.core.scenario.ScenarioException;
import io.leasecr.core.trace.TraceSink;
import io.leasecr.node.cluster.ClusterConfig;
import io.leasecr.node.cluster.ClusterNode;
import io.leasecr.node.cluster.JsonlTraceSink;
import io.leasecr.node.cluster.NodeOptions;
import io.leasecr.node.cluster.NodeSettings;
import io.leasecr.node.config.LeaseCrConfig;
import io.leasecr.node.drillfile.Drill;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code emulator node}: one cluster node (Pekko Cluster over Artery, loopback by default) hosting
 * sharded processes and inode lease tables; runs until killed or downed.
 */
@Command(name = "node", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
    description = {"One cluster node (Pekko Cluster, loopback by default): sharded processes and inode lease tables; "
        + "runs until killed or downed.",
        "Each setting comes from its flag, else its LEASE_CR_* variable, else lease-cr.node in application.conf."},
    footer = "Exit codes: 0 the node left the cluster, 2 bad settings, 3 cannot run here (database unusable, "
        + "address in use, no cluster to join).")
final class NodeCommand implements Callable<Integer> {

  /** How long a node that could not join waits for its actor system to stop before its JVM ends anyway. */
  static final long EXIT_WAIT_MS = 5_000;

  @Spec CommandSpec spec;

  @Mixin NodeOptions options;

  @Override
  public Integer call() throws InterruptedException {
    NodeSettings s;
    Drill drill;
    try {
      s = NodeSettings.from(options, LeaseCrConfig.load());
    } catch (NodeSettings.BadSetting | LeaseCrConfig.BadSetting e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    try {
      drill = ClusterNode.drill(s);
    } catch (ScenarioException e) {
      throw new Failure(Main.BAD_INPUT, e.getMessage());
    }
    if (s.traceFile() != null) {
      OutputPaths.checkFile("--trace", Path.of(s.traceFile()), true);
    }
    if (s.journal() != null) {
      String problem = io.leasecr.node.cluster.JournalPreflight.check(s.journal(), 5);
      if (problem != null) {
        System.err.println("emulator node " + s.name() + ": " + problem);
        return Main.CANNOT_RUN;
      }
    }
    String busy = portInUse(s.bind(), s.port());
    if (busy != null) {
      System.err.println("emulator node " + s.name() + ": cannot listen on " + s.bind() + ":" + s.port() + ": " + busy);
      return Main.CANNOT_RUN;
    }
    s = s.forDrill(drill); // gossip and remembered entities: auto decided by the drill's size and faults
    Config config = ClusterConfig.of(s);
    TraceSink trace = s.traceFile() == null ? TraceSink.NONE : new JsonlTraceSink(Path.of(s.traceFile()));
    System.out.printf("node %s: pekko://%s@%s:%d, seeds %s, roles %s, journal %s%n", s.name(), NodeSettings.SYSTEM,
        s.bind(), s.port(), s.seeds(), s.roles(), s.journal() == null ? "none" : s.journal().describe());
    System.out.printf("node %s: split-brain resolver keep-majority, stable-after %d ms: a crashed node is downed "
        + "within about %d ms; its shards move %d ms after its removal; gossip every %d ms; process entities %s%n",
        s.name(), s.stableAfterMs(), s.expectedDowningMs(config), s.effectiveRemovalMarginMs(), s.effectiveGossipMs(),
        s.remembersProcesses() ? "remembered (with a journal)" : "not remembered");
    ActorSystem<?> system;
    try {
      system = ClusterNode.start(s, config, drill, trace);
    } catch (RuntimeException e) {
      System.err.printf("emulator node %s: cannot start on %s:%d: %s%n", s.name(), s.bind(), s.port(),
          e.getMessage() == null ? "the actor system did not start" : e.getMessage().lines().findFirst().orElse(""));
      // coordinated shutdown would end the JVM with exit code 0 (exit-jvm = on): exit with ours first
      System.exit(Main.CANNOT_RUN);
      return Main.CANNOT_RUN;
    }
    // a drill's node listens to its driver from the start: if the driver dies while it joins, it stops
    io.leasecr.node.cluster.FaultControl.listen(system.classicSystem(), s.name(), System.in, System.out, trace);
    java.util.concurrent.CountDownLatch up = new java.util.concurrent.CountDownLatch(1);
    org.apache.pekko.cluster.Cluster.get(system.classicSystem()).registerOnMemberUp(up::countDown);
    if (!up.await(s.joinTimeoutMs(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      System.err.printf("emulator node %s: could not join the cluster through %s within %d ms: no lease-cr node "
          + "(actor system '%s') answered there; is the seed a node of this cluster?%n", s.name(), s.seeds(),
          s.joinTimeoutMs(), NodeSettings.SYSTEM);
      // not system.terminate(): coordinated shutdown would end the JVM with exit code 0 (exit-jvm = on);
      // exiting runs its JVM hook, which stops the actor system, and keeps the code. A node that never joined
      // has nothing to hand over: if the hook takes longer than EXIT_WAIT_MS (its phases wait for a cluster
      // that never answered), the JVM ends anyway, with the same code
      Thread watchdog = new Thread(() -> {
        try {
          Thread.sleep(EXIT_WAIT_MS);
        } catch (InterruptedException e) {
          return;
        }
        Runtime.getRuntime().halt(Main.CANNOT_RUN);
      }, "exit-watchdog");
      watchdog.setDaemon(true);
      watchdog.start();
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

  /** Null if this node can listen on host:port (checked by listening there a moment), else why not. */
  static String portInUse(String host, int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(host, port));
      return null;
    } catch (IOException e) {
      String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
      return m.contains("in use") ? "the port is in use" : m.isEmpty() ? "cannot listen there" : m;
    }
  }
}
