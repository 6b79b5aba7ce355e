package io.leasecr.node.drill;

/** A step of a drill could not be done; the message says why in words (what, on which node), for the console. */
final class DrillFailure extends RuntimeException {

  DrillFailure(String words) {
    super(words);
  }

  DrillFailure(String words, Throwable cause) {
    super(words, cause);
  }
}
