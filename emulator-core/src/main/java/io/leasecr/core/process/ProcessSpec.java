package io.leasecr.core.process;

import io.leasecr.core.locks.Credentials;
import java.util.List;
import java.util.Map;

/**
 * How a process starts: identity, credentials, signal dispositions and scripted reactions.
 * Immutable and shared: a million processes with the same script share one instance of its parts.
 */
public record ProcessSpec(
    int pid, int ppid, String name, Credentials cred, Map<Integer, Disposition> dispositions,
    List<Reaction> reactions, long seed) {

  /** Most processes handle no signal: they all share this empty table instead of a TreeMap each. */
  private static final Map<Integer, Disposition> NO_DISPOSITIONS =
      java.util.Collections.unmodifiableMap(new java.util.TreeMap<>());

  public ProcessSpec {
    dispositions = dispositions.isEmpty() ? NO_DISPOSITIONS
        : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(dispositions)); // stable order
    reactions = List.copyOf(reactions);
  }

}
