package io.leasecr.core.time;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/** Pekko extension giving actors the system's {@link EmulatedClock}. */
public final class EmulatedTime implements Extension {

  private static final Id ID = new Id();

  private final EmulatedClock clock;

  private EmulatedTime(ActorSystem<?> system) {
    if (!(system.classicSystem().scheduler() instanceof EmulatedScheduler scheduler)) {
      throw new IllegalStateException(
          "the actor system does not run on emulated time: load its config with EmulatorConfig");
    }
    this.clock = scheduler;
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
