package io.leasecr.core.scenario;

/** A scenario file that cannot be run: names the file, the line and what is wrong. */
public final class ScenarioException extends RuntimeException {
  private final String file;
  private final int line;

  public ScenarioException(String file, int line, String problem) {
    super(file + (line > 0 ? ":" + line : "") + ": " + problem);
    this.file = file;
    this.line = line;
  }

  public String file() {
    return file;
  }

  public int line() {
    return line;
  }
}
