package io.leasecr.core.trace;

/**
 * Where actors report trace events. Like Pekko's event stream it is an output port, not shared
 * state: actors only append. On emulated time all actors run on one thread, so the order of
 * {@link #emit} calls is the deterministic order of the run.
 */
public interface TraceSink {
  void emit(TraceEvent event);

  /** False lets hot paths skip building events nobody reads (benchmarks). */
  default boolean enabled() {
    return true;
  }

  /**
   * Whether the events of process {@code pid} (its syscalls, signals, reactions) are read: false lets that process skip
   * building them (an experiment's metrics read two processes of a million-process tree). Events of the kernel's
   * tables and of the run itself are asked with {@link #enabled}.
   */
  default boolean enabledFor(int pid) {
    return enabled();
  }

  /**
   * The run has entered a phase ("spawn", "run", "collect", "build", "serialize", "commit", "read", "restore",
   * "idle"): for wall-clock profiling of large runs (emulator bench tree). Not a trace event; nothing in the
   * run depends on it.
   */
  default void phase(String name) {}

  TraceSink NONE =
      new TraceSink() {
        @Override
        public void emit(TraceEvent event) {}

        @Override
        public boolean enabled() {
          return false;
        }
      };
}
