package io.leasecr.node.conform;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Runs numbered tasks on {@code jobs} threads and hands their results back in task order, whatever order they end
 * in: conform and fuzz print and count exactly what they would with one job. Kernel-side runs of different tasks
 * do not interfere: each has its own directory, socket and helper processes, /proc/locks is read for its own
 * inodes only, and the machine-wide sysctls are shared by turns ({@link Sysctls}).
 */
public final class InOrder {

  /** One task: its result for index {@code i}. */
  public interface Task<R> {
    R run(int i) throws Exception;
  }

  private InOrder() {}

  /**
   * Tasks 0..count-1. {@code ended}: called (from any thread, one call at a time) with how many have ended, for a
   * progress line; {@code inOrder}: called on the caller's thread with each result in task order as soon as it and
   * every one before it have ended.
   */
  public static <R> void run(int count, int jobs, Task<R> task, IntConsumer ended, Consumer<R> inOrder)
      throws InterruptedException {
    run(count, jobs, null, task, ended, inOrder);
  }

  /**
   * As {@link #run(int, int, Task, IntConsumer, Consumer)}, the tasks started in {@code schedule}'s order (a
   * permutation of 0..count-1; null: 0, 1, ...); the results still come back in task order.
   */
  public static <R> void run(int count, int jobs, int[] schedule, Task<R> task, IntConsumer ended,
      Consumer<R> inOrder) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(jobs, count)), r -> {
      Thread t = new Thread(r, "lcr-job");
      t.setDaemon(true);
      return t;
    });
    AtomicInteger done = new AtomicInteger();
    Object progressLock = new Object();
    List<Future<R>> futures = new ArrayList<>(java.util.Collections.nCopies(count, null));
    try {
      for (int k = 0; k < count; k++) {
        int index = schedule == null ? k : schedule[k];
        futures.set(index, pool.submit(() -> {
          try {
            return task.run(index);
          } finally {
            synchronized (progressLock) {
              ended.accept(done.incrementAndGet());
            }
          }
        }));
      }
      for (Future<R> f : futures) {
        try {
          inOrder.accept(f.get());
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException re) {
            throw re;
          }
          if (cause instanceof Error err) {
            throw err;
          }
          throw new IllegalStateException(cause);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
