package io.leasecr.node.cli;

import io.leasecr.core.locks.CriuTypeGuess;
import io.leasecr.core.scenario.RestartModes;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.node.config.LeaseCrConfig;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --type-guess file-type|open-mode}: CRIU's guess of a broken lease's type in criu-mode restarts
 * (CRIU 4.2's, or the patched open-mode one). Given, it overrides the files' {@code type_guess}; not given,
 * {@code lease-cr.criu.type-guess} (LEASE_CR_CRIU_TYPE_GUESS) applies to the restarts whose file names none.
 */
final class TypeGuessOption {

  @Option(names = "--type-guess", paramLabel = "GUESS", converter = Names.class, completionCandidates = Names.class,
      description = "criu mode: CRIU's guess of a broken lease's type before the break, ${COMPLETION-CANDIDATES} "
          + "(file-type: CRIU 4.2, F_WRLCK for every regular file; open-mode: patched CRIU, F_RDLCK for an "
          + "O_RDONLY description); overrides the files (default: $LEASE_CR_CRIU_TYPE_GUESS, else file-type)")
  CriuTypeGuess given;

  /** The guess in force: the option's, else the configuration's (a bad variable is bad input, exit 2). */
  CriuTypeGuess guess() {
    if (given != null) {
      return given;
    }
    try {
      return LeaseCrConfig.load().criuTypeGuess();
    } catch (LeaseCrConfig.BadSetting e) {
      throw new Failure(Main.BAD_INPUT, e.getMessage());
    }
  }

  /** The scenarios with the guess in force applied to their restarts. */
  List<Scenario> apply(List<Scenario> scenarios) {
    CriuTypeGuess g = guess();
    return scenarios.stream().map(s -> RestartModes.typeGuess(s, g, given != null)).toList();
  }

  /** The two guesses by their names. */
  static final class Names implements ITypeConverter<CriuTypeGuess>, Iterable<String> {
    @Override
    public CriuTypeGuess convert(String value) {
      try {
        return CriuTypeGuess.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }

    @Override
    public Iterator<String> iterator() {
      return Arrays.stream(CriuTypeGuess.values()).map(CriuTypeGuess::toString).iterator();
    }
  }
}
