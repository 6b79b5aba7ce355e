package io.leasecr.node.config;

import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

/** Number conversions for picocli options whose errors say what was expected in words, not Java types. */
public final class OptionTypes {

  private OptionTypes() {}

  /** Registers them with {@code cmd} and all its subcommands. */
  public static CommandLine register(CommandLine cmd) {
    cmd.registerConverter(Integer.class, OptionTypes::integer);
    cmd.registerConverter(Integer.TYPE, OptionTypes::integer);
    cmd.registerConverter(Long.class, OptionTypes::whole);
    cmd.registerConverter(Long.TYPE, OptionTypes::whole);
    cmd.registerConverter(Double.class, OptionTypes::decimal);
    cmd.registerConverter(Double.TYPE, OptionTypes::decimal);
    return cmd;
  }

  static Integer integer(String v) {
    long n = whole(v);
    if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
      throw new TypeConversionException("'" + v + "' is too large");
    }
    return (int) n;
  }

  static Long whole(String v) {
    try {
      return Long.parseLong(v.trim().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + v + "' is not a whole number");
    }
  }

  static Double decimal(String v) {
    try {
      double d = Double.parseDouble(v.trim());
      if (Double.isFinite(d)) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new TypeConversionException("'" + v + "' is not a number");
  }
}
