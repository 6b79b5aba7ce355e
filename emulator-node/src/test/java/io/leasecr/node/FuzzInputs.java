package io.leasecr.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Mutations of real input files for the fuzz suites (a copy of emulator-core's test FuzzInputs): whole
 * lines dropped, doubled, swapped or cut, and
 * values replaced by the tokens that broke the parsers before (huge and negative times, longs, empty
 * and multi-line names, YAML anchors and tags, non-ASCII).
 */
public final class FuzzInputs {

  /** Values that found bugs (issue 14) or are at the edge of a range. */
  public static final List<String> TOKENS = List.of("1e300s", "-1s", "9223372036854775807", "9223372036854",
      "-9223372036854775808", "2147483648", "-2147483649", "0", "-1", "1e-9", "Infinity", "NaN", "''", "\"\"",
      "\"a\\nb\"", "0x7fffffffffffffff", "1e30s", "+9223372036854775807ms", "4194305", "45", "1.5s", "250ms",
      "2m", "1h", "~", "null", "[]", "{}", "&a x", "*a", "!!binary AAAA", "? x", "|", ">", "- ", ":", "\t",
      "\u00e9t\u00e9", "\u202e", "../../../../etc/shadow", "/etc/hostname", "x".repeat(200), "{a: [b, {c: d}]}");

  private FuzzInputs() {}

  /** The text of every YAML file under {@code dir} (an empty list when the directory is not there). */
  public static List<String> yamlFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        out.add(Files.readString(p));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** One edit of a text, by kind, place and token. */
  record Edit(int kind, int at, int other, String token) {
    String apply(String text) {
      List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
      int n = lines.size();
      int i = Math.floorMod(at, n);
      int j = Math.floorMod(other, n);
      switch (kind) {
        case 0 -> lines.remove(i);
        case 1 -> lines.add(i, lines.get(i));
        case 2 -> {
          String t = lines.get(i);
          lines.set(i, lines.get(j));
          lines.set(j, t);
        }
        case 3 -> { // replace the value after a ':' (or the whole line) by a token
          String l = lines.get(i);
          int colon = l.indexOf(": ");
          lines.set(i, colon < 0 ? token : l.substring(0, colon + 2) + token);
        }
        case 4 -> { // replace a value inside a flow mapping {k: v, ...}
          String l = lines.get(i);
          int colon = l.indexOf(": ", Math.floorMod(other, Math.max(1, l.length())));
          if (colon >= 0) {
            int end = l.indexOf(',', colon);
            end = end < 0 ? Math.max(colon + 2, l.lastIndexOf('}')) : end;
            lines.set(i, l.substring(0, colon + 2) + token + l.substring(Math.min(l.length(), end)));
          }
        }
        case 5 -> { // cut the line
          String l = lines.get(i);
          lines.set(i, l.substring(0, Math.floorMod(other, l.length() + 1)));
        }
        case 6 -> lines.add(i, token);
        default -> { // one character replaced
          String l = lines.get(i);
          if (!l.isEmpty()) {
            int c = Math.floorMod(other, l.length());
            lines.set(i, l.substring(0, c) + token.charAt(0) + l.substring(c + 1));
          }
        }
      }
      return String.join("\n", lines);
    }
  }

  /** A real file's text with one to four edits. */
  public static Arbitrary<String> mutated(List<String> texts) {
    Arbitrary<Edit> edit = Combinators.combine(Arbitraries.integers().between(0, 7), Arbitraries.integers(),
        Arbitraries.integers(), Arbitraries.of(TOKENS)).as(Edit::new);
    return Combinators.combine(Arbitraries.of(texts), edit.list().ofMinSize(1).ofMaxSize(4)).as((text, edits) -> {
      String t = text;
      for (Edit e : edits) {
        t = e.apply(t);
      }
      return t;
    });
  }

  /** What every refusal message must be: short, naming the file first, free of Java. */
  public static void assertInWords(String message, String file) {
    if (message == null || !message.startsWith(file) || message.length() > 1200 || message.contains("Exception")
        || message.contains("java.") || message.contains("\tat ")) {
      throw new AssertionError("not a refusal in words naming " + file + ": " + message);
    }
  }
}
