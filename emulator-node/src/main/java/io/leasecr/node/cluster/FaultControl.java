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
    listen(system, name, in, log, io.leasecr.core.trace.TraceSink.NONE);
  }

  /** As above; {@code trace}: where a skew is noted (the drill reads the node's stamps back on the shared axis). */
  public static void listen(ActorSystem system, String name, InputStream in, PrintStream log,
      io.leasecr.core.trace.TraceSink trace) {
    if (!system.settings().config().getBoolean("pekko.remote.artery.advanced.test-mode")) {
      return;
    }
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          String[] words = line.trim().split("\\s+");
          if (words.length == 2 && words[0].equals("partition")) {
            partition(system, name, Long.parseLong(words[1]), log);
          } else if (words.length == 2 && words[0].equals("skew")) {
            skew(system, name, Long.parseLong(words[1]), log, trace);
          }
        }
        driverGone(name, log);
      } catch (IOException | RuntimeException e) {
        log.printf("[%s] fault channel closed: %s%n", name, e);
        driverGone(name, log);
      }
    }, "fault-control");
    t.setDaemon(true);
    t.start();
  }

  /** The node's emulated clock reads {@code ms} ahead (negative: behind) of the drill's shared axis. */
  private static void skew(ActorSystem system, String name, long ms, PrintStream log,
      io.leasecr.core.trace.TraceSink trace) {
    io.leasecr.core.time.EmulatedClock c = io.leasecr.core.time.EmulatedTime.clock(
        org.apache.pekko.actor.typed.javadsl.Adapter.toTyped(system));
    if (c instanceof io.leasecr.core.time.WallClock w) {
      w.skew(ms);
      trace.emit(new io.leasecr.core.trace.TraceEvent(w.nowMillis(), "note", 0, "kernel", 0, null,
          io.leasecr.core.trace.TraceEvent.args("text", "clock skewed: this node's clock reads " + Math.abs(ms) + " ms "
              + (ms >= 0 ? "ahead of" : "behind") + " the others' from here (stamps below are on the shared axis)",
              "skew", ms), null, null));
      log.printf("[%s] %d clock skewed by %d ms%n", name, System.currentTimeMillis(), ms);
    }
  }

  /**
   * The fault channel is the drill driver's pipe: at its end the driver is gone (however it died), and a
   * drill node does not outlive its driver. It exits at once (halting if the JVM's shutdown hangs).
   */
  private static void driverGone(String name, PrintStream log) {
    if (!Boolean.getBoolean("lease-cr.drill-node")) {
      return; // an 'emulator node' started by hand keeps running without its standard input
    }
    log.printf("[%s] %d the drill's driver is gone (its pipe closed): this node stops%n", name, System.currentTimeMillis());
    log.flush();
    Thread halt = new Thread(() -> {
      try {
        Thread.sleep(3000);
      } catch (InterruptedException ignored) {
        // halting now
      }
      Runtime.getRuntime().halt(4);
    }, "driver-gone-halt");
    halt.setDaemon(true);
    halt.start();
    System.exit(4);
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
