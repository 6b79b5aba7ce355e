package io.leasecr.core.restore;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What restoring a checkpointed tree costs in emulated time (the seed: the time the holder gets
 * after restart "depends on many factors (number of processes in the application process tree,
 * load on system at the time of restart etc)"). Parameters in microseconds; the shipped ones are in
 * {@code restart-cost.conf}, fitted on a real machine by {@code emulator calibrate}.
 */
public record RestartCostModel(String source, double baseUs, double perProcessUs, double perFileUs,
    double perLeaseUs, double perLockUs, int parallelism, double loadSlowdown, double jitter) {

  public static final String RESOURCE = "restart-cost.conf";

  /** A parameter file that cannot be used: the message names the file and the key. */
  public static final class BadModel extends RuntimeException {
    public BadModel(String message) {
      super(message);
    }
  }

  public RestartCostModel {
    String where = "restart-cost model (" + source + ")";
    for (double v : new double[] {baseUs, perProcessUs, perFileUs, perLeaseUs, perLockUs, loadSlowdown, jitter}) {
      if (!Double.isFinite(v) || v < 0) {
        throw new BadModel(where + ": costs, load-slowdown and jitter must be finite and >= 0");
      }
    }
    if (parallelism < 1) {
      throw new BadModel(where + ": parallelism must be at least 1, got " + parallelism);
    }
  }

  /** The shipped defaults, read once (every run of an experiment asks for them). */
  public static RestartCostModel defaults() {
    return Defaults.MODEL;
  }

  private static final class Defaults {
    static final RestartCostModel MODEL = from(
        ConfigFactory.parseResources(RESOURCE, ConfigParseOptions.defaults().setAllowMissing(false)),
        "classpath:" + RESOURCE);
  }

  /** "default" for the shipped parameters, otherwise a file in the restart-cost.conf format. */
  public static RestartCostModel load(String nameOrFile) {
    if (nameOrFile.equals("default")) {
      return defaults();
    }
    Path file = Path.of(nameOrFile);
    if (!Files.isRegularFile(file)) {
      throw new BadModel("restart-cost model " + nameOrFile + ": no such file");
    }
    try {
      return from(ConfigFactory.parseFile(file.toFile()), file.toString());
    } catch (ConfigException.Parse e) {
      throw new BadModel("restart-cost model " + e.getMessage());
    }
  }

  static RestartCostModel from(Config file, String origin) {
    try {
      Config c = file.getConfig("restart-cost");
      return new RestartCostModel(c.hasPath("source") ? c.getString("source") : origin,
          c.getDouble("base-us"), c.getDouble("per-process-us"), c.getDouble("per-file-us"),
          c.getDouble("per-lease-us"), c.getDouble("per-lock-us"), c.getInt("parallelism"),
          c.getDouble("load-slowdown"), c.getDouble("jitter"));
    } catch (ConfigException e) {
      throw new BadModel(origin + ": " + e.getMessage());
    }
  }

  /** CPU-bound threads share the cores with the restore: each one slows every restore by this factor. */
  public double slowdown(int busyThreads) {
    return 1 + loadSlowdown * busyThreads / parallelism;
  }

  /** One process's cost before load and jitter. */
  public double processUs(int files, int leases, int locks) {
    return perProcessUs + files * perFileUs + leases * perLeaseUs + locks * perLockUs;
  }
}
