package io.leasecr.node.drill;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An exception met during a drill, said in words for the console (what did not answer, in how long); the
 * exception itself, with its trace, goes to the driver's log.
 */
final class Words {

  private static final Pattern ASK = Pattern.compile("Ask timed out on \\[([^\\]]*)\\] after \\[(\\d+) ms\\]");

  private Words() {}

  static String of(Throwable e) {
    Throwable t = e;
    while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof DrillFailure) {
      return t.getMessage();
    }
    String m = t.getMessage() == null ? "" : t.getMessage();
    Matcher ask = ASK.matcher(m);
    if (ask.find()) {
      return who(ask.group(1)) + " did not answer within " + ask.group(2) + " ms";
    }
    if (m.contains("had already been terminated")) {
      return "the driver's actor system had stopped (the driver was downed) before " + who(m) + " could be asked";
    }
    if (t instanceof TimeoutException) {
      return "no answer in time" + (m.isEmpty() ? "" : ": " + m);
    }
    if (t instanceof InterruptedException) {
      return "interrupted";
    }
    return t.getClass().getSimpleName() + (m.isEmpty() ? "" : ": " + m.lines().findFirst().orElse(""));
  }

  /** The actor an ask went to, in words. */
  private static String who(String path) {
    if (path.contains("checkpoint-coordinator") || path.contains("singletonProxy")) {
      return "the checkpoint coordinator (cluster singleton)";
    }
    if (path.contains("processProxy") || path.contains("sharding/process")) {
      return "a process entity (through sharding)";
    }
    if (path.contains("inode")) {
      return "a lease table (through sharding)";
    }
    if (path.contains("receptionist") || path.contains("clock")) {
      return "a node's clock keeper";
    }
    return "an actor (" + path + ")";
  }
}
