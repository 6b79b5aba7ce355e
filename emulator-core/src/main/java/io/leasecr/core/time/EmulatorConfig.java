package io.leasecr.core.time;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;

/** Builds the Pekko configuration that puts an actor system on emulated time. */
public final class EmulatorConfig {

  private EmulatorConfig() {}

  /** The {@code emulated-time.conf} wiring over application.conf/reference.conf, in the given mode. */
  public static Config load(TimeMode mode, double scale) {
    return ConfigFactory.parseResources("emulated-time.conf")
        .withValue("lease-cr.time.mode", ConfigValueFactory.fromAnyRef(mode.name().toLowerCase()))
        .withValue("lease-cr.time.scale", ConfigValueFactory.fromAnyRef(scale))
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  public static Config virtual() {
    return load(TimeMode.VIRTUAL, 1.0);
  }
}
