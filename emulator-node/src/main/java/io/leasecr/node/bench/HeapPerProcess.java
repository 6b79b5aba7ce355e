package io.leasecr.node.bench;

import io.leasecr.core.kernel.ProcessTable;
import org.apache.pekko.actor.typed.ActorRef;
import io.leasecr.core.time.EmulatedTime;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

/** Heap taken by idle emulated processes (actor, mailbox, timers, fd table, pid-table entry). */
final class HeapPerProcess {

  private HeapPerProcess() {}

  static double bytesPerProcess(int processes) {
    try (BenchKernel kernel = new BenchKernel(1, 45, (ctx, table) -> { })) {
      settle(kernel);
      long before = usedHeap();
      ActorRef<ProcessTable.Command> table = kernel.processes();
      for (int i = 0; i < processes; i++) {
        table.tell(new ProcessTable.Spawn(BenchKernel.plain(10_000 + i, "idle")));
      }
      settle(kernel);
      long after = usedHeap();
      return (after - before) / (double) processes;
    }
  }

  private static void settle(BenchKernel kernel) {
    try {
      EmulatedTime.clock(kernel.system).awaitIdle(10, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static long usedHeap() {
    for (int i = 0; i < 4; i++) {
      System.gc();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
