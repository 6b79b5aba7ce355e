package io.leasecr.node.bench;

import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.locks.Vfs;
import io.leasecr.core.locks.Credentials;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.locks.Signals;
import io.leasecr.core.process.Disposition;
import io.leasecr.core.process.ProcessSpec;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.process.Reaction;
import io.leasecr.core.time.EmulatedTime;
import io.leasecr.core.time.EmulatorConfig;
import io.leasecr.core.trace.TraceSink;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** An emulated kernel (LockManager + ProcessTable) on virtual time, with no tracing, for benchmarks. */
final class BenchKernel implements AutoCloseable {

  final ActorSystem<Void> system;
  private final CompletableFuture<ActorRef<ProcessTable.Command>> processes = new CompletableFuture<>();

  /** Builds the kernel over {@code files} files (/bench/0, /bench/1, ...) and hands it to {@code setup}. */
  BenchKernel(int files, long leaseBreakTime,
      BiConsumer<ActorContext<Void>, ActorRef<ProcessTable.Command>> setup) {
    Vfs.Builder vfs = Vfs.builder();
    for (int i = 0; i < files; i++) {
      vfs.file(path(i), 0, Inode.Kind.REGULAR, true);
    }
    Vfs built = vfs.build();
    Behavior<Void> guardian = Behaviors.setup(ctx -> {
      ActorRef<LockManager.Command> locks = ctx.spawn(LockManager.create(built, leaseBreakTime, true, TraceSink.NONE), "locks");
      ActorRef<ProcessTable.Command> processes = ctx.spawn(ProcessTable.create(locks, TraceSink.NONE), "processes");
      setup.accept(ctx, processes);
      this.processes.complete(processes);
      EmulatedTime.clock(ctx.getSystem()).setPaused(false);
      return Behaviors.empty();
    });
    system = ActorSystem.create(guardian, "bench", EmulatorConfig.virtual());
  }

  ActorRef<ProcessTable.Command> processes() {
    return await(processes);
  }

  static String path(int i) {
    return "/bench/" + i;
  }

  /** A holder whose SIGIO handler releases its lease at once (or never, when it ignores SIGIO). */
  static ProcessSpec holder(int pid, boolean releases) {
    Map<Integer, Disposition> dispositions = Map.of(Signals.SIGIO, releases ? Disposition.HANDLER : Disposition.IGNORE);
    List<Reaction> reactions = releases ? List.of(new Reaction(Signals.SIGIO, Reaction.Action.RELEASE, 0, 0, -1)) : List.of();
    return new ProcessSpec(pid, 1, "P1-" + pid, Credentials.ROOT, dispositions, reactions, 1);
  }

  static ProcessSpec plain(int pid, String name) {
    return new ProcessSpec(pid, 1, name, Credentials.ROOT, Map.of(), List.of(), 1);
  }

  long emulatedMillis() {
    return EmulatedTime.clock(system).nowMillis();
  }

  static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(30, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new IllegalStateException("benchmark run failed: " + e, e);
    }
  }

  @Override
  public void close() {
    Emulation.shutdown(system);
  }
}
