package io.leasecr.node.conform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** conform and fuzz with --jobs: results come back in task order whatever order the tasks end in. */
class InOrderTest {

  @Test
  void resultsComeInTaskOrderAndRunSideBySide() throws InterruptedException {
    List<Integer> seen = new ArrayList<>();
    List<Integer> ended = new ArrayList<>();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    ConcurrentHashMap<Thread, Boolean> threads = new ConcurrentHashMap<>();
    InOrder.run(12, 4, i -> {
      most.accumulateAndGet(running.incrementAndGet(), Math::max);
      threads.put(Thread.currentThread(), true);
      Thread.sleep((12 - i) * 15L); // later tasks end first
      running.decrementAndGet();
      return i * i;
    }, ended::add, seen::add);
    assertThat(seen).containsExactly(0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121);
    assertThat(ended).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    assertThat(most.get()).isBetween(2, 4);
    assertThat(threads).hasSizeLessThanOrEqualTo(4);
  }

  @Test
  void aScheduleDecidesTheStartOrderButNotTheResultsOrder() throws InterruptedException {
    List<Integer> started = new ArrayList<>();
    List<Integer> seen = new ArrayList<>();
    InOrder.run(5, 1, new int[] {3, 0, 4, 1, 2}, i -> {
      started.add(i);
      return "task " + i;
    }, n -> { }, r -> seen.add(Integer.parseInt(r.substring(5))));
    assertThat(started).containsExactly(3, 0, 4, 1, 2);
    assertThat(seen).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void aFailingTaskFailsTheRunWithItsOwnException() {
    assertThatThrownBy(() -> InOrder.run(3, 2, i -> {
      if (i == 1) {
        throw new IllegalArgumentException("task 1 broke");
      }
      return i;
    }, n -> { }, r -> { })).isInstanceOf(IllegalArgumentException.class).hasMessage("task 1 broke");
  }
}
