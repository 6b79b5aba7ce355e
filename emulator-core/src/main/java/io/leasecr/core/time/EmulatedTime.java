package io.leasecr.core.time;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/** Pekko extension giving actors the system's {@link EmulatedClock}. */
public final class EmulatedTime implements Extension {

  private static final Id ID = new Id();

  private final EmulatedClock clock;

  private EmulatedTime(ActorSystem<?> system) {
    if (system.classicSystem().scheduler() instanceof EmulatedScheduler scheduler) {
      this.clock = scheduler;
    } else if (system.settings().config().getString("lease-cr.time.clock").equals("wall")) {
      // a cluster node: Pekko's own scheduler, time from the (scaled) wall clock since the drill's origin
      long origin = system.settings().config().getLong("lease-cr.time.origin-epoch-ms");
      this.clock = new WallClock(origin > 0 ? origin : System.currentTimeMillis(),
          system.settings().config().getDouble("lease-cr.time.scale"));
    } else {
      throw new IllegalStateException(
          "the actor system does not run on emulated time: load its config with EmulatorConfig");
    }
  }

  public static EmulatedClock clock(ActorSystem<?> system) {
    return ID.apply(system).clock;
  }

  private static final class Id extends ExtensionId<EmulatedTime> {
    @Override
    public EmulatedTime createExtension(ActorSystem<?> system) {
      return new EmulatedTime(system);
    }
  }
}
