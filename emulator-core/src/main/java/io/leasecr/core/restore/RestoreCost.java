package io.leasecr.core.restore;

import com.typesafe.config.Config;
import io.leasecr.proto.image.CheckpointImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's restore timing ({@code lease-cr.restore} in reference.conf): the cost model, the load the
 * restore competes with, and the jitter's seed. Restarts are instant when the model is off.
 */
public record RestoreCost(RestartCostModel model, int busyThreads, long seed) {

  /** A restore under way: when each process's files and leases are back, and when the tree runs. */
  public record Pending(CheckpointImage image, List<io.leasecr.proto.image.Process> processes, long startMs,
      long resumeAtMs, Map<Integer, Long> restoredAtMs) {}

  /** Null when {@code lease-cr.restore.cost-model = off}. */
  public static RestoreCost fromConfig(Config config, long scenarioSeed) {
    Config c = config.getConfig("lease-cr.restore");
    String name = c.getString("cost-model");
    if (name.equals("off")) {
      return null;
    }
    int busy = c.getInt("busy-threads");
    if (busy < 0) {
      throw new RestartCostModel.BadModel("lease-cr.restore.busy-threads must be >= 0, got " + busy);
    }
    long seed = c.getLong("seed");
    return new RestoreCost(RestartCostModel.load(name), busy, seed < 0 ? scenarioSeed : seed);
  }

  /** The {@code n}th restore of a run, of {@code chosen} from {@code image}, beginning at {@code nowMs}. */
  public Pending plan(CheckpointImage image, List<io.leasecr.proto.image.Process> chosen, long nowMs, int n) {
    Map<Integer, Integer> leases = new HashMap<>();
    image.getLeasesList().forEach(l -> leases.merge(l.getPid(), 1, Integer::sum));
    Map<Integer, Integer> locks = new HashMap<>();
    image.getPosixLocksList().forEach(l -> locks.merge(l.getPid(), 1, Integer::sum));
    List<RestoreSchedule.Proc> procs = new ArrayList<>(chosen.size());
    for (io.leasecr.proto.image.Process p : chosen) {
      int pid = p.getSpec().getPid();
      procs.add(new RestoreSchedule.Proc(pid, p.getSpec().getPpid(), p.getFdsCount(),
          leases.getOrDefault(pid, 0), locks.getOrDefault(pid, 0)));
    }
    RestoreSchedule s = RestoreSchedule.plan(model, procs, busyThreads, seed * 1_000_003L + n);
    Map<Integer, Long> at = new HashMap<>();
    s.doneUs().forEach((pid, us) -> at.put(pid, nowMs + ceilMs(us)));
    return new Pending(image, chosen, nowMs, nowMs + ceilMs(s.makespanUs()), Map.copyOf(at));
  }

  /** Emulated time is in milliseconds: a restore that has begun has taken at least one. */
  private static long ceilMs(long us) {
    return Math.max(1, (us + 999) / 1000);
  }
}
