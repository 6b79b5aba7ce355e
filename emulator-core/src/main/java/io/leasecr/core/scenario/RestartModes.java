package io.leasecr.core.scenario;

import io.leasecr.core.locks.RestartMode;
import java.util.ArrayList;
import java.util.List;

/** The command line's {@code --mode}: every restart of a scenario in one mode, whatever its file says. */
public final class RestartModes {

  private RestartModes() {}

  public static Scenario override(Scenario s, RestartMode mode) {
    List<Step> steps = new ArrayList<>(s.steps().size());
    for (Step st : s.steps()) {
      steps.add(st.action() instanceof Step.Restart r
          ? new Step(st.number(), st.line(), st.atMs(), r.withMode(mode), st.expect()) : st);
    }
    return new Scenario(s.source(), s.name(), s.description(), s.seed(), s.sysctls(), s.vfs(), s.processes(),
        List.copyOf(steps), s.expectations(), s.endMs());
  }

  /**
   * CRIU's type guess for a scenario's restarts (the command line's --type-guess, or LEASE_CR_CRIU_TYPE_GUESS):
   * {@code overrideFile} true gives every restart {@code guess}; false only those whose file names none.
   */
  public static Scenario typeGuess(Scenario s, io.leasecr.core.locks.CriuTypeGuess guess, boolean overrideFile) {
    List<Step> steps = new ArrayList<>(s.steps().size());
    for (Step st : s.steps()) {
      steps.add(st.action() instanceof Step.Restart r && (overrideFile || r.typeGuess() == null)
          ? new Step(st.number(), st.line(), st.atMs(), r.withTypeGuess(guess), st.expect()) : st);
    }
    return new Scenario(s.source(), s.name(), s.description(), s.seed(), s.sysctls(), s.vfs(), s.processes(),
        List.copyOf(steps), s.expectations(), s.endMs());
  }

  /** --mode's value, or an IllegalArgumentException naming the three. */
  public static RestartMode parse(String text) {
    return RestartMode.parse(text);
  }
}
