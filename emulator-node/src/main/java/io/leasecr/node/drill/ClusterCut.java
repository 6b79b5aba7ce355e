package io.leasecr.node.drill;

import io.leasecr.core.time.ClockKeeper;
import io.leasecr.core.time.WallClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/**
 * A consistent cut of the tree spread over the cluster: every reachable node's emulated clock is frozen
 * (and the driver's), so no deadline passes and no reaction comes due anywhere while the state is
 * collected; a short settle lets message chains started before the freeze land (they are a few ms on
 * loopback, and nothing new starts: every chain begins with a timer or a drill step). The thaw sets
 * every clock to the latest instant any node froze at, so the nodes agree on the time afterwards.
 */
final class ClusterCut {

  /** Wall ms between freezing the clocks and collecting state: in-flight replies and wake-ups land. */
  static final long SETTLE_MS = 100;
  private static final Duration ASK = Duration.ofSeconds(2);

  /** A frozen cut: the emulated instant to thaw at, which nodes froze, which could not be reached. */
  record Frozen(long atMs, long spreadMs, List<ActorRef<ClockKeeper.Command>> keepers, Set<String> nodes,
      Set<String> unreachable, long wallStart) {}

  private final ActorSystem<?> system;
  private final WallClock driverClock;
  private final Cluster cluster;

  ClusterCut(ActorSystem<?> system, WallClock driverClock) {
    this.system = system;
    this.driverClock = driverClock;
    this.cluster = Cluster.get(system.classicSystem());
  }

  /** Freezes every Up node's clock that the receptionist knows (expecting {@code expected}), then the driver's. */
  Frozen freeze(Set<String> expected) throws Exception {
    long wallStart = System.currentTimeMillis();
    List<ActorRef<ClockKeeper.Command>> keepers = keepers(expected);
    List<CompletableFuture<ClockKeeper.State>> asks = new ArrayList<>();
    for (ActorRef<ClockKeeper.Command> k : keepers) {
      asks.add(AskPattern.<ClockKeeper.Command, ClockKeeper.State>ask(k, ClockKeeper.Freeze::new, ASK,
          system.scheduler()).toCompletableFuture());
    }
    long min = Long.MAX_VALUE;
    long max = driverClock.freeze();
    Set<String> frozen = new TreeSet<>();
    List<ActorRef<ClockKeeper.Command>> answered = new ArrayList<>();
    for (int i = 0; i < asks.size(); i++) {
      try {
        ClockKeeper.State s = asks.get(i).get(ASK.toMillis() + 500, TimeUnit.MILLISECONDS);
        frozen.add(s.node());
        answered.add(keepers.get(i));
        min = Math.min(min, s.atMs());
        max = Math.max(max, s.atMs());
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        // reported as unreachable below
      }
    }
    Set<String> unreachable = new TreeSet<>(expected);
    unreachable.removeAll(frozen);
    Thread.sleep(SETTLE_MS);
    return new Frozen(max, min == Long.MAX_VALUE ? 0 : max - min, answered, frozen, unreachable, wallStart);
  }

  /** Lets every frozen clock run again from the cut's instant. */
  void thaw(Frozen cut) throws Exception {
    List<CompletableFuture<ClockKeeper.State>> asks = new ArrayList<>();
    for (ActorRef<ClockKeeper.Command> k : cut.keepers()) {
      asks.add(AskPattern.<ClockKeeper.Command, ClockKeeper.State>ask(k, to -> new ClockKeeper.Thaw(cut.atMs(), to),
          ASK, system.scheduler()).toCompletableFuture());
    }
    driverClock.thaw(cut.atMs());
    for (CompletableFuture<ClockKeeper.State> a : asks) {
      try {
        a.get(ASK.toMillis() + 500, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        // a node lost meanwhile: its clock goes with it
      }
    }
  }

  /** The keepers of the Up members, waiting (up to 3 s) until every expected node's keeper is listed. */
  private List<ActorRef<ClockKeeper.Command>> keepers(Set<String> expected) throws Exception {
    long deadline = System.currentTimeMillis() + 3000;
    while (true) {
      Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
          to -> Receptionist.find(ClockKeeper.KEY, to), ASK, system.scheduler()).toCompletableFuture()
          .get(ASK.toMillis() + 500, TimeUnit.MILLISECONDS);
      List<ActorRef<ClockKeeper.Command>> up = new ArrayList<>();
      Set<String> listed = new TreeSet<>();
      for (ActorRef<ClockKeeper.Command> k : listing.getServiceInstances(ClockKeeper.KEY)) {
        Member m = member(k.path().address());
        if (m != null && m.status() == MemberStatus.up() && !cluster.state().getUnreachable().contains(m)) {
          up.add(k);
          listed.addAll(m.getRoles());
        }
      }
      if (listed.containsAll(expected) || System.currentTimeMillis() > deadline) {
        return up;
      }
      Thread.sleep(50);
    }
  }

  private Member member(Address address) {
    for (Member m : cluster.state().getMembers()) {
      if (m.address().equals(address)) {
        return m;
      }
    }
    return null;
  }
}
