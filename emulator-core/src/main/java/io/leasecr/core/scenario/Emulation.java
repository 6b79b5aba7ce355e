package io.leasecr.core.scenario;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.leasecr.core.checkpoint.Journal;
import io.leasecr.core.time.EmulatorConfig;
import io.leasecr.core.time.TimeMode;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.core.trace.TraceRecorder;
import io.leasecr.core.trace.TraceSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Runs one scenario on emulated time and returns the trace: on virtual time without a journal on a reused
 * actor system ({@link EmulatorPool}), otherwise in an actor system of its own.
 */
public final class Emulation {

  private Emulation() {}

  /** A finished run: every trace event in order, the final /proc/locks, and the wall time it took. */
  public record Result(Scenario scenario, List<TraceEvent> events, List<String> finalLocks, long wallMillis) {}

  public static Result run(Scenario scenario) {
    return run(scenario, TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(10));
  }

  public static Result run(Scenario scenario, TimeMode mode, double scale, Duration wallLimit) {
    return run(scenario, mode, scale, wallLimit, ConfigFactory.empty());
  }

  /** With configuration overrides, e.g. {@code pekko.actor.serialize-messages = on}. */
  public static Result run(Scenario scenario, TimeMode mode, double scale, Duration wallLimit, Config overrides) {
    return run(scenario, mode, scale, wallLimit, overrides, null);
  }

  /** With a checkpoint journal, used if the scenario checkpoints or restarts by id. */
  public static Result run(Scenario scenario, TimeMode mode, double scale, Duration wallLimit, Config overrides,
      Journal journal) {
    return run(scenario, mode, scale, wallLimit, overrides, journal, null);
  }

  /** With an observer that sees every event as it is emitted (benchmarks time them). */
  public static Result run(Scenario scenario, TimeMode mode, double scale, Duration wallLimit, Config overrides,
      Journal journal, TraceSink observer) {
    TraceRecorder recorder = new TraceRecorder();
    TraceSink trace = observer == null ? recorder : e -> {
      recorder.emit(e);
      observer.emit(e);
    };
    return run(scenario, mode, scale, wallLimit, overrides, journal, trace, recorder);
  }

  /**
   * Virtual time, no journal, and the trace going only to {@code sink}: nothing is recorded (the
   * result has no events), for long runs whose events are summarised as they come (experiments).
   */
  public static Result run(Scenario scenario, Config overrides, TraceSink sink, Duration wallLimit) {
    return run(scenario, TimeMode.VIRTUAL, 1.0, wallLimit, overrides, null, sink, new TraceRecorder());
  }

  private static Result run(Scenario scenario, TimeMode mode, double scale, Duration wallLimit, Config overrides,
      Journal journal, TraceSink trace, TraceRecorder recorder) {
    if (mode == TimeMode.REAL) {
      io.leasecr.core.input.Durations.checkScale(scale, String.valueOf(scale)); // out of range: never ends, or skips timers
    }
    boolean journaled = journal != null && scenario.checkpoints();
    if (journaled) {
      overrides = overrides.withFallback(journal.config());
    }
    if (mode == TimeMode.VIRTUAL && !journaled && EmulatorPool.enabled(overrides)) {
      return EmulatorPool.shared().run(scenario, overrides, trace, recorder::events, wallLimit);
    }
    long start = System.nanoTime();
    CompletableFuture<List<String>> done = new CompletableFuture<>();
    ActorSystem<ScenarioRunner.Command> system = ActorSystem.create(
        ScenarioRunner.create(scenario, trace, done, journaled), "emulator",
        overrides.withFallback(EmulatorConfig.load(mode, scale)).resolve());
    try {
      List<String> locks = await(scenario, done, wallLimit);
      return new Result(scenario, recorder.events(), locks, (System.nanoTime() - start) / 1_000_000);
    } finally {
      shutdown(system);
    }
  }

  /**
   * The final /proc/locks of a run, once its runner completes {@code done}; a run that fails or outlasts
   * {@code wallLimit} is an IllegalStateException saying so in words (a bad image names itself; a Java class
   * name only when there is no message).
   */
  static List<String> await(Scenario scenario, CompletableFuture<List<String>> done, Duration wallLimit) {
    try {
      return done.get(wallLimit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(scenario.source() + ": the run did not finish within " + wallLimit
          + " of wall time", e);
    } catch (ExecutionException e) {
      Throwable why = e.getCause();
      throw new IllegalStateException(scenario.source() + ": the run failed: "
          + (why.getMessage() != null ? why.getMessage() : why.toString()), why);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Terminates an actor system and waits (a while) for it: whatever it produced is complete already. */
  public static void shutdown(ActorSystem<?> system) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // a slow or failed shutdown changes nothing in what the system produced
    }
  }
}
