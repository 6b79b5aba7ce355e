package io.leasecr.node.explore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One run of the exploration: the base scenario with a checkpoint and a restart per level (a level is one
 * C/R; two levels are recursive C/R), in one mode under one policy. Times are in the variant's own timeline:
 * the tree is frozen while it is checkpointed, so every base step after a checkpoint comes {@code gapMs}
 * later, as the program it stands for would run on after its restart.
 */
public record Variant(int index, String mode, String policy, List<Level> levels, long gapMs, Set<Integer> dropped) {

  /**
   * A checkpoint at {@code atMs}, placed after base step {@code afterStep} (-1: before all) among the steps of
   * that instant; {@code beforeSignal}: between a break's start and its signal's delivery; {@code only}: the
   * processes restarted (null: all); {@code killedCommit}: the emulator was killed while committing it, so
   * the restart takes the level before's checkpoint.
   */
  public record Level(long atMs, int afterStep, boolean beforeSignal, List<String> only, boolean killedCommit) {

    String describe() {
      return "checkpoint at " + BaseScenario.ms(atMs) + (beforeSignal ? " (before the signal's delivery)" : "")
          + (killedCommit ? ", emulator killed during its commit" : "")
          + ", restart " + (only == null ? "all" : String.join("+", only));
    }
  }

  public int depth() {
    return levels.size();
  }

  /** Smaller is simpler: fewer levels, fewer restarted processes, fewer steps, earlier. */
  long size() {
    long s = levels.size() * 1_000_000L;
    for (Level l : levels) {
      s += (l.only == null ? 9 : l.only.size()) * 10_000L + (l.killedCommit ? 5000 : 0) + (l.beforeSignal ? 1 : 0);
    }
    return s - dropped.size() * 100L;
  }

  public String describe() {
    List<String> parts = new ArrayList<>();
    levels.forEach(l -> parts.add(l.describe()));
    return "mode " + mode + ", policy " + policy + ": " + String.join("; then ", parts)
        + (dropped.isEmpty() ? "" : "; base steps dropped " + dropped);
  }

  /** The steps of this variant, as YAML maps, with its checkpoints writing their images into {@code dir}. */
  List<Map<String, Object>> steps(BaseScenario base, Path dir) {
    List<Map<String, Object>> out = new ArrayList<>();
    long shift = 0;
    int next = 0;
    for (BaseScenario.RawStep s : base.steps) {
      if (dropped.contains(s.index())) {
        continue;
      }
      while (next < levels.size() && before(levels.get(next), s.atMs() + shift, s.index())) {
        emit(out, next, dir);
        next++;
        shift += gapMs;
      }
      Map<String, Object> m = new LinkedHashMap<>(s.map());
      m.put("at", BaseScenario.ms(s.atMs() + shift));
      out.add(m);
    }
    while (next < levels.size()) {
      emit(out, next++, dir);
    }
    return out;
  }

  private static boolean before(Level l, long at, int index) {
    return l.atMs < at || l.atMs == at && l.afterStep < index;
  }

  private void emit(List<Map<String, Object>> out, int k, Path dir) {
    Level l = levels.get(k);
    String id = "C" + (k + 1);
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("at", BaseScenario.ms(l.atMs));
    c.put("checkpoint", id);
    if (dir != null) {
      c.put("image", dir.resolve(image(k)).toString());
    }
    if (l.beforeSignal) {
      c.put("before_signal", true);
    }
    out.add(c);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("at", BaseScenario.ms(l.atMs + gapMs));
    r.put("restart", l.killedCommit && k > 0 ? "C" + k : id);
    r.put("policy", policy);
    r.put("mode", mode);
    if (l.only != null) {
      r.put("only", l.only);
    }
    out.add(r);
  }

  String image(int level) {
    return "v" + index + "-C" + (level + 1) + ".img";
  }

  Variant withDropped(Set<Integer> d) {
    return new Variant(index, mode, policy, levels, gapMs, d);
  }
}
