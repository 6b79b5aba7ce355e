package io.leasecr.node.report;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timeline page beside each counterexample that {@code emulator explore} and {@code emulator fuzz} write:
 * {@code NAME.yaml} gets {@code NAME.html}, the page {@code emulator run NAME.yaml --html NAME.html} gives.
 * The page is an extra: a counterexample that cannot be drawn is kept, and why goes to the log.
 */
public final class CounterexamplePages {

  private static final Logger LOG = LoggerFactory.getLogger(CounterexamplePages.class);

  private CounterexamplePages() {}

  /** Writes the page beside {@code scenarioFile}; returns it, or null (logged) if it could not be made. */
  public static Path writeBeside(Path scenarioFile) {
    try {
      return HtmlTimeline.writeBeside(scenarioFile);
    } catch (Exception e) {
      LOG.warn("no timeline page for the counterexample {}: {}", scenarioFile, e.toString(), e);
      return null;
    }
  }
}
