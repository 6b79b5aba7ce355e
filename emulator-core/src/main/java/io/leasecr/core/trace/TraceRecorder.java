package io.leasecr.core.trace;

import java.util.ArrayList;
import java.util.List;

/** Keeps every event in memory, in emission order; safe to read once the run is over. */
public final class TraceRecorder implements TraceSink {
  private final List<TraceEvent> events = new ArrayList<>();

  @Override
  public synchronized void emit(TraceEvent event) {
    events.add(event);
  }

  public synchronized List<TraceEvent> events() {
    return List.copyOf(events);
  }
}
