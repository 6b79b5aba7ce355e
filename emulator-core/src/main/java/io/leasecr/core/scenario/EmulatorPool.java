package io.leasecr.core.scenario;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import io.leasecr.core.time.EmulatorConfig;
import io.leasecr.core.time.TimeMode;
import io.leasecr.core.trace.TraceSink;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Actor systems on virtual time kept for reuse: starting a Pekko system costs tens of milliseconds, a small
 * scenario's run well under one. Each system runs one scenario at a time (a {@link RunHost} guardian; the
 * scenario's runner is its child and the clock is put back to 0 between runs), so a run on a reused system
 * gives the same trace, byte for byte, as on a fresh one (ScenarioReuseTest checks every shipped scenario).
 * Any number of threads may run at once: each takes a system of its own from the pool, or a new one.
 *
 * <p>Systems are kept per configuration: the overrides other than {@code lease-cr.restore} (which each run
 * passes to its runner) make the key. A run that fails or times out ends its system instead of returning it.
 * Used by {@link Emulation#run} for every virtual-time run without a journal, unless {@code
 * lease-cr.run.reuse-systems = off} (env {@code LEASE_CR_REUSE_SYSTEMS}).
 */
public final class EmulatorPool {

  /** At most this many idle systems kept per configuration (more are ended when given back). */
  private static final int KEEP = Math.max(2, Runtime.getRuntime().availableProcessors() * 2);

  private static final EmulatorPool SHARED = new EmulatorPool();

  /** The pool every {@link Emulation#run} shares. */
  public static EmulatorPool shared() {
    return SHARED;
  }

  /**
   * Per configuration: systems given back, each as a future that completes once the system has cleared the
   * run before (stopping a million actors takes a while: the caller has its result meanwhile).
   */
  private final Map<String, ConcurrentLinkedDeque<CompletableFuture<ActorSystem<RunHost.Command>>>> idle =
      new ConcurrentHashMap<>();
  private final AtomicLong created = new AtomicLong();
  private final AtomicLong reused = new AtomicLong();

  /** Runs {@code scenario} on virtual time on a pooled system; {@code recorded}: the events {@code trace} keeps. */
  public Emulation.Result run(Scenario scenario, Config overrides, TraceSink trace,
      java.util.function.Supplier<List<io.leasecr.core.trace.TraceEvent>> recorded, Duration wallLimit) {
    String key = overrides.withoutPath("lease-cr.restore").root().render(ConfigRenderOptions.concise());
    ActorSystem<RunHost.Command> system = borrow(key, overrides);
    Config restore = overrides.withFallback(system.settings().config());
    long start = System.nanoTime();
    CompletableFuture<List<String>> done = new CompletableFuture<>();
    CompletableFuture<Integer> clean = new CompletableFuture<>();
    boolean reusable = false;
    try {
      system.tell(new RunHost.Start(scenario, trace, done, restore, clean));
      List<String> locks = Emulation.await(scenario, done, wallLimit);
      Emulation.Result result = new Emulation.Result(scenario, recorded.get(), locks,
          (System.nanoTime() - start) / 1_000_000);
      reusable = true;
      return result;
    } finally {
      if (reusable) {
        giveBack(key, system, clean);
      } else {
        Emulation.shutdown(system); // whatever state a failed run left, the next one must not inherit it
      }
    }
  }

  /** Systems started and runs that reused one, so far (benchmarks print them). */
  public long created() {
    return created.get();
  }

  public long reused() {
    return reused.get();
  }

  /**
   * Waits until every system given back has cleared its run (stopped its tree): a benchmark's next run must
   * neither overlap the last one's teardown nor count its actors as its own heap.
   */
  public void awaitCleared() {
    idle.values().forEach(q -> q.forEach(ready -> ready.handle((s, failure) -> null).join()));
  }

  /** Ends every idle system (the JVM does not wait for them either way: their threads are daemons). */
  public void close() {
    idle.values().forEach(q -> {
      CompletableFuture<ActorSystem<RunHost.Command>> s;
      while ((s = q.pollFirst()) != null) {
        s.thenAccept(Emulation::shutdown);
      }
    });
  }

  private ActorSystem<RunHost.Command> borrow(String key, Config overrides) {
    ConcurrentLinkedDeque<CompletableFuture<ActorSystem<RunHost.Command>>> q =
        idle.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>());
    for (CompletableFuture<ActorSystem<RunHost.Command>> next = q.pollFirst(); next != null; next = q.pollFirst()) {
      try {
        ActorSystem<RunHost.Command> s = next.join(); // usually clean already; else a short wait
        reused.incrementAndGet();
        return s;
      } catch (RuntimeException cleanUpFailed) {
        // that system was ended: try the next
      }
    }
    created.incrementAndGet();
    Config config = overrides.withFallback(ConfigFactory.parseString("pekko.daemonic = on"))
        .withFallback(EmulatorConfig.load(TimeMode.VIRTUAL, 1.0)).resolve();
    return ActorSystem.create(RunHost.create(), "emulator", config);
  }

  private void giveBack(String key, ActorSystem<RunHost.Command> system, CompletableFuture<Integer> clean) {
    ConcurrentLinkedDeque<CompletableFuture<ActorSystem<RunHost.Command>>> q = idle.get(key);
    if (q.size() >= KEEP) {
      clean.whenCompleteAsync((n, e) -> Emulation.shutdown(system)); // not on the loop it waits for
      return;
    }
    CompletableFuture<ActorSystem<RunHost.Command>> ready = clean.orTimeout(60, TimeUnit.SECONDS)
        .handleAsync((n, failure) -> {
          if (failure != null) {
            Emulation.shutdown(system); // it never got clean: nobody may run on it
            throw new IllegalStateException("an actor system did not clear its run within 60 s", failure);
          }
          return system;
        });
    q.addFirst(ready); // the most recently used first: its JIT-warm, cache-warm state goes on
  }

  /** Whether runs with these overrides should go through the pool ({@code lease-cr.run.reuse-systems}). */
  static boolean enabled(Config overrides) {
    Config c = overrides.withFallback(ConfigFactory.load());
    return !c.hasPath("lease-cr.run.reuse-systems") || c.getBoolean("lease-cr.run.reuse-systems");
  }
}
