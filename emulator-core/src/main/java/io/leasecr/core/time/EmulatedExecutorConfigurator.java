package io.leasecr.core.time;

import com.typesafe.config.Config;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;

/**
 * Plugs the {@link EmulatedScheduler}'s loop in as a dispatcher's executor, so that actors and
 * timers share one thread and one order. Configured as {@code executor = "...EmulatedExecutorConfigurator"}.
 */
public final class EmulatedExecutorConfigurator extends ExecutorServiceConfigurator {

  private final EmulatedScheduler scheduler;

  public EmulatedExecutorConfigurator(Config config, DispatcherPrerequisites prerequisites) {
    super(config, prerequisites);
    if (!(prerequisites.scheduler() instanceof EmulatedScheduler emulated)) {
      throw new IllegalStateException(
          "EmulatedExecutorConfigurator needs pekko.scheduler.implementation = "
              + EmulatedScheduler.class.getName());
    }
    this.scheduler = emulated;
  }

  @Override
  public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
    return () -> new LoopExecutor(scheduler);
  }

  /** The loop as an ExecutorService; shutting it down is the scheduler's job (on system termination). */
  private static final class LoopExecutor extends AbstractExecutorService {
    private final EmulatedScheduler loop;
    private volatile boolean shutdown;

    LoopExecutor(EmulatedScheduler loop) {
      this.loop = loop;
    }

    @Override
    public void execute(Runnable command) {
      loop.execute(command);
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown = true;
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }
}
