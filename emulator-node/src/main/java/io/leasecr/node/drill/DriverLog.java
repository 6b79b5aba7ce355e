package io.leasecr.node.drill;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * The driver's log file ({@code OUT/driver.log}): Pekko's warnings from the driver's actor system, the
 * exceptions behind the words on the console, and the driver's lines. Attached to logback's root logger
 * for one run (a soak runs many drills in one JVM); without logback (a test's binding) it logs nowhere.
 */
final class DriverLog {

  private static final org.slf4j.Logger LOG = LoggerFactory.getLogger("io.leasecr.drill");
  private static FileAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender;

  private DriverLog() {}

  static synchronized void attach(Path file, boolean verbose) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return;
    }
    PatternLayoutEncoder enc = new PatternLayoutEncoder();
    enc.setContext(ctx);
    enc.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n");
    enc.start();
    appender = new FileAppender<>();
    appender.setContext(ctx);
    appender.setName("drill-driver");
    appender.setFile(file.toString());
    appender.setAppend(false);
    appender.setEncoder(enc);
    appender.start();
    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(appender);
    if (verbose) {
      root.setLevel(Level.INFO);
    }
  }

  static synchronized void detach() {
    if (appender != null && LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      ctx.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
      appender.stop();
      appender = null;
    }
  }

  static void info(String line) {
    LOG.info(line);
  }

  static void error(String what, Throwable e) {
    LOG.warn(what, e);
  }
}
