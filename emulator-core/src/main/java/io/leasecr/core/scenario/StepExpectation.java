package io.leasecr.core.scenario;

import io.leasecr.core.locks.Errno;
import java.util.List;

/**
 * What a step must do. Null fields are not checked.
 *
 * @param result the return value
 * @param errno the errno (EAGAIN and EWOULDBLOCK match each other)
 * @param blocked whether the call slept
 * @param returnsAtMs emulated time at which the call returns
 * @param stillBlocked true: the call never returns before the run ends
 * @param locks the exact /proc/locks lines (for a proc_locks step)
 * @param returned what the return must show besides its result, by trace argument: a signal sigtimedwait took
 *     ({@code code}: si_code, {@code fd}: si_fd, -1 for none)
 */
public record StepExpectation(
    Long result, Errno errno, Boolean blocked, Long returnsAtMs, Boolean stillBlocked, List<String> locks,
    java.util.Map<String, String> returned) {

  public static final StepExpectation NONE = new StepExpectation(null, null, null, null, null, null);

  public StepExpectation(Long result, Errno errno, Boolean blocked, Long returnsAtMs, Boolean stillBlocked,
      List<String> locks) {
    this(result, errno, blocked, returnsAtMs, stillBlocked, locks, java.util.Map.of());
  }

  public boolean isEmpty() {
    return this.equals(NONE);
  }
}
