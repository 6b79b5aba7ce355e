package io.leasecr.node.calibrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.leasecr.node.calibrate.Calibration.Measurement;
import io.leasecr.node.calibrate.Calibration.Plan;
import io.leasecr.node.calibrate.Calibration.Shape;
import io.leasecr.core.restore.RestartCostModel;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;

/**
 * CostFit on synthetic restores drawn from the model itself with known parameters: the fit must give them
 * back. The synthetic restore is the model run as an event simulation (not the fit's own formula): each
 * process gets its own log-normal jitter, at most `parallelism` run at once, a child starts when its parent
 * is done and a slot is free.
 */
class CostFitTest {

  private static final int FANOUT = 4;

  static RestartCostModel params(double base, double process, double file, double lease, double lock, int parallelism,
      double slowdown, double jitter) {
    return new RestartCostModel("truth", base, process, file, lease, lock, parallelism, slowdown, jitter);
  }

  /** One restore of the tree under the model; microseconds. */
  static double simulate(RestartCostModel p, Shape s, int busy, Random rnd) {
    double sigma2 = Math.log(1 + p.jitter() * p.jitter());
    double load = 1 + p.loadSlowdown() * busy / p.parallelism();
    PriorityQueue<double[]> running = new PriorityQueue<>((a, b) -> Double.compare(a[0], b[0])); // {end, index}
    java.util.ArrayDeque<Integer> ready = new java.util.ArrayDeque<>(List.of(0));
    double now = 0;
    while (true) {
      while (running.size() < p.parallelism() && !ready.isEmpty()) {
        double jitter = Math.exp(-sigma2 / 2 + Math.sqrt(sigma2) * rnd.nextGaussian());
        running.add(new double[] {now + CostFit.processUs(p, s) * load * jitter, ready.poll()});
      }
      if (running.isEmpty()) {
        return p.baseUs() + now;
      }
      double[] done = running.poll();
      now = done[0];
      for (long c = (long) done[1] * FANOUT + 1; c <= (long) done[1] * FANOUT + FANOUT && c < s.n(); c++) {
        ready.add((int) c);
      }
    }
  }

  static List<Measurement> synthetic(RestartCostModel p, Plan plan, long seed) {
    return synthetic(p, plan, seed, 0);
  }

  /** With {@code common} > 0, each run is also slowed or sped up as a whole (log-normal, that CV). */
  static List<Measurement> synthetic(RestartCostModel p, Plan plan, long seed, double common) {
    Random rnd = new Random(seed);
    double s2 = Math.log(1 + common * common);
    List<Measurement> out = new ArrayList<>();
    for (int k : plan.busy()) {
      for (Shape s : k == 0 ? plan.unloaded() : plan.loaded()) {
        double[] t = new double[plan.repetitions()];
        for (int i = 0; i < t.length; i++) {
          double whole = Math.exp(-s2 / 2 + Math.sqrt(s2) * rnd.nextGaussian());
          t[i] = p.baseUs() + (simulate(p, s, k, rnd) - p.baseUs()) * whole;
        }
        out.add(new Measurement(s, k, t));
      }
    }
    return out;
  }

  @Test
  void recoversKnownParametersFromTheDefaultPlan() {
    RestartCostModel truth = params(250, 120, 3.0, 1.5, 0.8, 2, 0.9, 0.15);
    Plan plan = Plan.standard(500, List.of(0, 2, 4, 8), 30, FANOUT, false);
    CostFit.Result r = CostFit.fit(synthetic(truth, plan, 42), 2, FANOUT);
    RestartCostModel got = r.params();
    assertThat(got.perProcessUs()).isCloseTo(truth.perProcessUs(), Percentage.withPercentage(3));
    assertThat(got.perFileUs()).isCloseTo(truth.perFileUs(), Percentage.withPercentage(10));
    assertThat(got.perLeaseUs()).isCloseTo(truth.perLeaseUs(), Percentage.withPercentage(15));
    assertThat(got.perLockUs()).isCloseTo(truth.perLockUs(), Percentage.withPercentage(15));
    assertThat(got.baseUs()).isCloseTo(truth.baseUs(), Percentage.withPercentage(15));
    assertThat(got.parallelism()).isEqualTo(2);
    assertThat(got.loadSlowdown()).isCloseTo(truth.loadSlowdown(), Percentage.withPercentage(5));
    // the least certain parameter: it shows only in the spread of the small trees (+-5% over seeds here)
    assertThat(got.jitter()).isCloseTo(truth.jitter(), Percentage.withPercentage(15));
    assertThat(r.floored()).isEmpty();
    assertThat(r.r2()).isGreaterThan(0.99);
    assertThat(r.commonSpread()).isLessThan(0.02);
  }

  /**
   * Spread common to a whole run (the machine slower for a moment) does not shrink with n: the fit keeps it
   * out of the per-process jitter and reports it separately.
   */
  @Test
  void spreadCommonToAWholeRunIsNotTakenForPerProcessJitter() {
    RestartCostModel truth = params(250, 120, 3.0, 1.5, 0.8, 2, 0.9, 0.3);
    Plan plan = Plan.standard(500, List.of(0, 2, 4, 8), 30, FANOUT, false);
    CostFit.Result r = CostFit.fit(synthetic(truth, plan, 5, 0.06), 2, FANOUT);
    assertThat(r.params().jitter()).isCloseTo(0.3, Percentage.withPercentage(25));
    assertThat(r.commonSpread()).isCloseTo(0.06, within(0.01));
    assertThat(r.params().perProcessUs()).isCloseTo(120, Percentage.withPercentage(5));
    // the plain iid estimate CV * sqrt(n) of the largest tree would have been several times too large
    CostFit.Row largest =
        r.rows().stream().filter(x -> x.busy() == 0 && x.shape().n() == 500).findFirst().orElseThrow();
    assertThat(largest.spread() * Math.sqrt(500)).isGreaterThan(3 * 0.3);
  }

  @Test
  void withoutNoiseTheFitIsExact() {
    RestartCostModel truth = params(80, 200, 4.0, 2.0, 1.0, 2, 0.5, 0.0001);
    Plan plan = Plan.quick(32, List.of(0, 2), 3, FANOUT, false);
    CostFit.Result r = CostFit.fit(synthetic(truth, plan, 1), 2, FANOUT);
    assertThat(r.params().baseUs()).isCloseTo(80, Percentage.withPercentage(1));
    assertThat(r.params().perProcessUs()).isCloseTo(200, Percentage.withPercentage(0.5));
    assertThat(r.params().perFileUs()).isCloseTo(4.0, Percentage.withPercentage(1));
    assertThat(r.params().perLeaseUs()).isCloseTo(2.0, Percentage.withPercentage(1));
    assertThat(r.params().perLockUs()).isCloseTo(1.0, Percentage.withPercentage(1));
    assertThat(r.params().loadSlowdown()).isCloseTo(0.5, Percentage.withPercentage(1));
  }

  @Test
  void aCostTheDataDoNotShowIsFlooredAndSaidSo() {
    RestartCostModel truth = params(100, 150, 3.0, 0.0, 1.0, 2, 1.0, 0.0001); // leases cost nothing here
    Plan plan = Plan.quick(32, List.of(0, 2), 3, FANOUT, false);
    Measurement[] ms = synthetic(truth, plan, 7).toArray(Measurement[]::new);
    // leases "faster" than none: the unconstrained fit would give a negative per-lease cost
    for (int i = 0; i < ms.length; i++) {
      if (ms[i].shape().leases() > 0) {
        double[] t = ms[i].micros().clone();
        for (int j = 0; j < t.length; j++) {
          t[j] *= 0.97;
        }
        ms[i] = new Measurement(ms[i].shape(), ms[i].busy(), t);
      }
    }
    CostFit.Result r = CostFit.fit(List.of(ms), 2, FANOUT);
    assertThat(r.floored()).containsExactly("per-lease-us");
    assertThat(r.params().perLeaseUs()).isEqualTo(CostFit.FLOOR_US);
    assertThat(r.params().perProcessUs()).isPositive();
  }

  /** A load effect that depends on the tree (as measured: small trees slow down, large ones hardly) shows. */
  @Test
  void aLoadEffectThatDependsOnTheTreeIsReportedPerTree() {
    RestartCostModel truth = params(100, 150, 3.0, 1.0, 1.0, 2, 1.0, 0.0001);
    Plan plan = Plan.standard(500, List.of(0, 2, 4, 8), 3, FANOUT, false);
    List<Measurement> ms = new ArrayList<>();
    for (Measurement m : synthetic(truth, plan, 3)) {
      if (m.busy() > 0 && m.shape().n() == 500) { // the largest tree: no slowdown at all
        Measurement unloaded = ms.stream().filter(u -> u.busy() == 0 && u.shape().equals(m.shape())).findFirst()
            .orElseThrow();
        ms.add(new Measurement(m.shape(), m.busy(), unloaded.micros()));
      } else {
        ms.add(m);
      }
    }
    CostFit.Result r = CostFit.fit(ms, 2, FANOUT);
    assertThat(r.slowdownByShape().get(new Shape(500, 16, 8, 16))).isCloseTo(0, within(0.01));
    assertThat(r.slowdownByShape().get(new Shape(31, 16, 8, 16))).isCloseTo(1.0, within(0.05));
    assertThat(r.loadRmsError()).isGreaterThan(0.15);
    assertThat(io.leasecr.node.calibrate.RestartCostFile.report(r))
        .contains("warning: the load effect is not 1 + s * busy / parallelism");
  }

  @Test
  void roundsFollowTheModelsSchedule() {
    assertThat(CostFit.rounds(1, 4, 2)).isEqualTo(1);
    assertThat(CostFit.rounds(5, 4, 2)).isEqualTo(3); // {0} {1,2} {3,4}
    assertThat(CostFit.rounds(10, 1, 8)).isEqualTo(10); // a chain cannot go in parallel
    assertThat(CostFit.rounds(1000, 4, 2)).isEqualTo(501); // the root alone, then 999 two at a time
    assertThat(CostFit.rounds(21, 4, 100)).isEqualTo(3); // unlimited: the depth of the tree
  }
}
