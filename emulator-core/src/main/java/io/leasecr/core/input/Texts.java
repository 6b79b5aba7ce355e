package io.leasecr.core.input;

/**
 * User text quoted in an error message: short, one line, never a whole value. A message may be printed
 * for a file that is not what it claims to be (an experiment's {@code scenario: /etc/shadow}), so a
 * quoted text is at most {@link #QUOTE_MAX} characters, control characters escaped.
 */
public final class Texts {

  public static final int QUOTE_MAX = 32;

  private Texts() {}

  /** 'text', or 'first 32 characters...' (N characters); null as nothing. */
  public static String quote(String text) {
    if (text == null) {
      return "nothing";
    }
    StringBuilder b = new StringBuilder("'");
    int n = Math.min(text.length(), QUOTE_MAX);
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        b.append("\\n");
      } else if (c == '\t') {
        b.append("\\t");
      } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || Character.isSurrogate(c)) {
        b.append(String.format("\\x%02x", (int) c & 0xffff));
      } else {
        b.append(c);
      }
    }
    b.append('\'');
    if (text.length() > QUOTE_MAX) {
      b.insert(b.length() - 1, "...").append(" (").append(text.length()).append(" characters)");
    }
    return b.toString();
  }

  /**
   * A key as it may be quoted in "unknown key" messages: a word of letters, digits, '_', '-' and '.' of
   * at most 32 characters; anything else (a line of another file that YAML read as a key) is described,
   * not shown.
   */
  public static String key(String text) {
    if (text != null && text.matches("[A-Za-z0-9_.-]{1," + QUOTE_MAX + "}")) {
      return "'" + text + "'";
    }
    return "(a text of " + (text == null ? 0 : text.length()) + " characters, not a key of this format; not shown)";
  }
}
