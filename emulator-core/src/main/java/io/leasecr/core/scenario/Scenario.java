package io.leasecr.core.scenario;

import io.leasecr.core.locks.Vfs;
import io.leasecr.core.process.ProcessSpec;
import java.util.List;
import java.util.Map;

/**
 * A parsed scenario file: the machine (sysctls, files), the process tree, timed steps and the
 * expectations. The format is documented in docs/scenario-format.md.
 *
 * @param endMs emulated time at which the run stops; 0 runs until nothing is left to happen
 */
public record Scenario(
    String source, String name, String description, long seed, Map<String, Long> sysctls, Vfs vfs,
    List<ProcessDecl> processes, List<Step> steps, List<EventExpectation> expectations, long endMs) {

  /** A process of the tree; {@code forked} ones are created by a fork step instead of at time 0. */
  public record ProcessDecl(ProcessSpec spec, String parent, boolean forked, int line) {
    public String name() {
      return spec.name();
    }

    public int pid() {
      return spec.pid();
    }
  }

  public long sysctl(String name) {
    return sysctls.get(name);
  }

  /** Whether the run needs the checkpoint journal: it checkpoints or restarts by id. */
  public boolean checkpoints() {
    return steps.stream().anyMatch(s -> s.action() instanceof Step.Checkpoint
        || s.action() instanceof Step.Restart r && r.imageFile() == null);
  }

  public ProcessDecl process(String name) {
    for (ProcessDecl p : processes) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    return null;
  }
}
