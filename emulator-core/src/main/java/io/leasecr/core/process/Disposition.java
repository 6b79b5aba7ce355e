package io.leasecr.core.process;

/** A signal's disposition (sigaction): default, ignore, or a handler with or without SA_RESTART. */
public record Disposition(Kind kind, boolean saRestart) {
  public enum Kind {
    DEFAULT,
    IGNORE,
    HANDLER
  }

  public static final Disposition DEFAULT = new Disposition(Kind.DEFAULT, false);
  public static final Disposition IGNORE = new Disposition(Kind.IGNORE, false);
  public static final Disposition HANDLER = new Disposition(Kind.HANDLER, false);
  public static final Disposition HANDLER_RESTART = new Disposition(Kind.HANDLER, true);

  public String describe() {
    return switch (kind) {
      case DEFAULT -> "default";
      case IGNORE -> "ignore";
      case HANDLER -> saRestart ? "handler(SA_RESTART)" : "handler";
    };
  }
}
