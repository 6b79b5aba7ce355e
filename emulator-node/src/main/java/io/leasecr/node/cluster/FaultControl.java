package io.leasecr.node.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.remote.RARP;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter;

/**
 * A drill node's fault channel: the drill writes commands to the node's standard input, so no extra
 * protocol has to cross the cluster. {@code partition MS}: the node is cut off from every other member,
 * both directions, for MS milliseconds (Artery's test mode blackholes, which the drill turns on for its
 * nodes with -Dpekko.remote.artery.advanced.test-mode=on); the split-brain resolver then downs the
 * minority side, as for a crash, but the cut-off node is alive meanwhile and downs itself.
 */
public final class FaultControl {

  private FaultControl() {}

  public static void listen(ActorSystem system, String name, InputStream in, PrintStream log) {
    if (!system.settings().config().getBoolean("pekko.remote.artery.advanced.test-mode")) {
      return;
    }
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          String[] words = line.trim().split("\\s+");
          if (words.length == 2 && words[0].equals("partition")) {
            partition(system, name, Long.parseLong(words[1]), log);
          }
        }
      } catch (IOException | RuntimeException e) {
        log.printf("[%s] fault channel closed: %s%n", name, e);
      }
    }, "fault-control");
    t.setDaemon(true);
    t.start();
  }

  private static void partition(ActorSystem system, String name, long forMs, PrintStream log) {
    Cluster cluster = Cluster.get(system);
    List<Address> others = new ArrayList<>();
    for (Member m : cluster.state().getMembers()) {
      if (!m.address().equals(cluster.selfAddress())) {
        others.add(m.address());
      }
    }
    others.forEach(a -> throttle(system, a, ThrottlerTransportAdapter.Blackhole$.MODULE$));
    log.printf("[%s] %d partitioned from %s for %d ms%n", name, System.currentTimeMillis(), others, forMs);
    system.scheduler().scheduleOnce(scala.concurrent.duration.Duration.create(forMs, TimeUnit.MILLISECONDS), () -> {
      others.forEach(a -> throttle(system, a, ThrottlerTransportAdapter.Unthrottled$.MODULE$));
      log.printf("[%s] %d partition healed%n", name, System.currentTimeMillis());
    }, system.dispatcher());
  }

  private static void throttle(ActorSystem system, Address to, ThrottlerTransportAdapter.ThrottleMode mode) {
    RARP rarp = (RARP) RARP.apply(system);
    rarp.provider().transport().managementCommand(new ThrottlerTransportAdapter.SetThrottle(to, BOTH, mode));
  }

  /** Scala's Direction.Both, which javac cannot name (a case object nested in a companion). */
  private static final ThrottlerTransportAdapter.Direction BOTH = both();

  private static ThrottlerTransportAdapter.Direction both() {
    try {
      return (ThrottlerTransportAdapter.Direction) Class.forName(
          "org.apache.pekko.remote.transport.ThrottlerTransportAdapter$Direction$Both$").getField("MODULE$").get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
