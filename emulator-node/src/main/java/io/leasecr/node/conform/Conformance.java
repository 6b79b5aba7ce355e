package io.leasecr.node.conform;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.trace.TraceEvent;
import java.io.IOException;
import io.leasecr.core.time.TimeMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Runs one scenario on the emulator and on the real kernel and compares the traces. */
public final class Conformance {

  /** @param skipped why the kernel side was not run (null if it ran) */
  public record Outcome(Scenario scenario, String skipped, TimeScale scale, List<TraceEvent> emulator,
      List<TraceEvent> kernel, TraceComparison.Result comparison) {}

  private Conformance() {}

  public static Outcome run(Scenario s, Path helper) throws IOException, InterruptedException {
    return run(s, helper, ConfigFactory.empty());
  }

  /** With emulator configuration overrides (e.g. injected faults). */
  public static Outcome run(Scenario s, Path helper, Config emulatorConfig) throws IOException, InterruptedException {
    String why = KernelRun.notRunnable(s);
    Emulation.Result emulated = Emulation.run(s, TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(5), emulatorConfig);
    if (why != null) {
      return new Outcome(s, why, null, emulated.events(), List.of(), null);
    }
    TimeScale scale = TimeScale.of(s);
    long horizon = emulated.events().isEmpty() ? 0 : emulated.events().get(emulated.events().size() - 1).t();
    List<TraceEvent> kernel = new KernelRun(s, scale, helper).run(horizon);
    return new Outcome(s, null, scale, emulated.events(), kernel,
        TraceComparison.compare(s, emulated.events(), kernel, scale.toleranceMs()));
  }
}
