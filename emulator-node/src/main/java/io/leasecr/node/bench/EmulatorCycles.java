package io.leasecr.node.bench;

import io.leasecr.core.kernel.ProcessTable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Lease-break cycles on the emulator: {@code pairs} holder/breaker pairs, each on its own file. */
final class EmulatorCycles {

  record Result(long cycles, long wallNanos, long emulatedMillis, long loopCpuNanos) {
    double perSecond() {
      return cycles / (wallNanos / 1e9);
    }

    /** Cycles per second of the loop thread's CPU time. */
    double perCpuSecond() {
      return cycles / (loopCpuNanos / 1e9);
    }
  }

  private EmulatorCycles() {}

  /** releases=false: the holder ignores SIGIO, so every break runs to its lease-break-time deadline. */
  static Result run(int pairs, long cyclesPerPair, boolean releases) {
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      done.add(new CompletableFuture<>());
    }
    long[] start = new long[1];
    long[] cpuStart = new long[1];
    io.leasecr.core.time.EmulatedScheduler[] loop = new io.leasecr.core.time.EmulatedScheduler[1];
    try (BenchKernel kernel = new BenchKernel(pairs, 45, (ctx, processes) -> {
      for (int i = 0; i < pairs; i++) {
        int holder = 1000 + 2 * i;
        processes.tell(new ProcessTable.Spawn(BenchKernel.holder(holder, releases)));
        processes.tell(new ProcessTable.Spawn(BenchKernel.plain(holder + 1, "P2-" + i)));
      }
      loop[0] = (io.leasecr.core.time.EmulatedScheduler) io.leasecr.core.time.EmulatedTime.clock(ctx.getSystem());
      cpuStart[0] = loop[0].loopCpuNanos();
      start[0] = System.nanoTime();
      for (int i = 0; i < pairs; i++) {
        int holder = 1000 + 2 * i;
        ctx.spawn(CycleDriver.create(processes, holder, holder + 1, BenchKernel.path(i), cyclesPerPair, done.get(i)),
            "driver-" + i);
      }
    })) {
      BenchKernel.await(CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)));
      long wall = System.nanoTime() - start[0];
      return new Result(pairs * cyclesPerPair, wall, kernel.emulatedMillis(), loop[0].loopCpuNanos() - cpuStart[0]);
    }
  }
}
