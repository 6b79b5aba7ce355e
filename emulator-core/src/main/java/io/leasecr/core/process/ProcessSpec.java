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

  public ProcessSpec {
    dispositions = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(dispositions)); // stable order
    reactions = List.copyOf(reactions);
  }

}
