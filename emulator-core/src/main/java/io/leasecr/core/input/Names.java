package io.leasecr.core.input;

/**
 * Names and ids a user gives (scenario, process, checkpoint and node names, image ids): 1 to
 * {@link #MAX_LENGTH} characters, no control characters (a newline would break a listing), no space at
 * either end.
 */
public final class Names {

  public static final int MAX_LENGTH = 128;

  private Names() {}

  /** Why {@code text} is not a usable name, or null. */
  public static String problem(String text) {
    if (text == null || text.isEmpty()) {
      return "must not be empty";
    }
    if (text.length() > MAX_LENGTH) {
      return "is " + text.length() + " characters long, at most " + MAX_LENGTH + " are allowed";
    }
    if (!text.strip().equals(text)) {
      return "must not start or end with a space";
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        return "must not contain control characters such as a newline (" + Texts.quote(text) + ")";
      }
    }
    return null;
  }

  /** {@code text} if it is a usable name; else an IllegalArgumentException "WHAT ... ". */
  public static String check(String what, String text) {
    String p = problem(text);
    if (p != null) {
      throw new IllegalArgumentException(what + " " + p);
    }
    return text;
  }
}
