package io.leasecr.node.explore;

import io.leasecr.core.locks.RestartPolicy;
import io.leasecr.core.trace.TraceEvent;
import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.OpenFile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The named invariants the explorer checks after every restart, on the run's trace and its images. Each
 * returns null when it holds, else the first violation in words (with the emulated time).
 */
public final class CrInvariants {

  public static final String NO_CONFLICT = "no-conflict";
  public static final String KEEPS_LEASES = "cr-keeps-leases";
  public static final String SIGNALLED_ONCE = "signalled-once";
  public static final String TYPEPREV_KEPT = "typeprev-kept";
  public static final String DEADLINE_FORMULA = "deadline-formula";
  public static final String OPENER_BOUND = "opener-bound";
  public static final String IMAGE_ROUNDTRIP = "image-roundtrip";
  public static final String SAME_TRACE = "same-trace";

  public static final List<String> ALL = List.of(NO_CONFLICT, KEEPS_LEASES, SIGNALLED_ONCE, TYPEPREV_KEPT, DEADLINE_FORMULA,
      OPENER_BOUND, IMAGE_ROUNDTRIP, SAME_TRACE);

  static String meaning(String invariant) {
    return switch (invariant) {
      case NO_CONFLICT -> "never two conflicting leases (a write lease beside any other), POSIX, OFD or flock locks "
          + "on a file";
      case KEEPS_LEASES -> "a restart brings back exactly the image's leases on the open files of the processes it"
          + " restores";
      case SIGNALLED_ONCE -> "a holder is signalled at most once per break, across every C/R";
      case TYPEPREV_KEPT -> "every image keeps the type the lease had before its break began (fl_type_prev)";
      case DEADLINE_FORMULA -> "a restored break's deadline is the restart + the policy's time left (it ends then, earlier by a"
          + " release, or later only if nothing looks: lazy expiry)";
      case OPENER_BOUND -> "a blocked opener returns by its break's deadline, moved by the time the tree was down";
      case IMAGE_ROUNDTRIP -> "an image written, read and written again is byte-identical";
      case SAME_TRACE -> "the same variant (the same images restored) run twice gives the same trace, byte for byte";
      default -> invariant;
    };
  }

  private final List<TraceEvent> events;
  private final Map<String, CheckpointImage> images;
  private final Map<String, Integer> pids;
  private final Variant variant;
  private final RestartPolicy policy;
  /** Checkpoints (per the variant) taken between a break's start and its signal: those signals were taken back. */
  private final long beforeSignalAt;
  /** opener-bound violations under a policy that gives the holder more time: starvation, with C/R count. */
  int starvedCheckpoints = -1;

  CrInvariants(List<TraceEvent> events, Map<String, CheckpointImage> images, Map<String, Integer> pids,
      Variant variant) {
    this.events = events;
    this.images = images;
    this.pids = pids;
    this.variant = variant;
    this.policy = RestartPolicy.parse(variant.policy());
    this.beforeSignalAt = variant.levels().stream().filter(Variant.Level::beforeSignal)
        .mapToLong(Variant.Level::atMs).findFirst().orElse(-1);
  }

  Map<String, String> check() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(NO_CONFLICT, noConflict());
    out.put(KEEPS_LEASES, keepsLeases());
    out.put(SIGNALLED_ONCE, signalledOnce());
    out.put(TYPEPREV_KEPT, typePrevKept());
    out.put(DEADLINE_FORMULA, deadlineFormula());
    out.put(OPENER_BOUND, openerBound());
    return out;
  }

  private static String at(long t) {
    return String.format("%d.%03ds", t / 1000, t % 1000);
  }

  private static boolean treeGone(TraceEvent e) {
    return e.kind().equals("checkpoint") && "stopped".equals(e.arg("tree")) || isRestart(e);
  }

  private static boolean isRestart(TraceEvent e) {
    return e.kind().equals("restart") && e.pid() == 0;
  }

  private static String key(TraceEvent e) {
    return e.pid() + " " + e.arg("path");
  }

  // ---------------------------------------------------------------- no-conflict

  private String noConflict() {
    Map<String, Map<Integer, String>> byPath = new HashMap<>();
    for (TraceEvent e : events) {
      if (treeGone(e)) {
        byPath.clear();
      } else if (e.kind().equals("lease")) {
        Map<Integer, String> held = byPath.computeIfAbsent(String.valueOf(e.arg("path")), k -> new HashMap<>());
        if ("UNLCK".equals(e.arg("type"))) {
          held.remove(e.pid());
        } else {
          held.put(e.pid(), String.valueOf(e.arg("type")));
        }
        if (held.size() > 1 && held.containsValue("WRITE")) {
          return at(e.t()) + ": leases on " + e.arg("path") + " held together: " + held;
        }
      } else if (e.kind().equals("locks")) {
        @SuppressWarnings("unchecked")
        String bad = lockConflict((List<String>) e.arg("lines"));
        if (bad != null) {
          return at(e.t()) + ": /proc/locks " + bad;
        }
      }
    }
    return null;
  }

  /**
   * Two granted locks of /proc/locks on one inode that the kernel would never grant together, one of them a write
   * lock: POSIX locks of different pids on overlapping ranges; an OFD lock overlapping another OFD lock (the
   * lines show no owner, pid -1, but one description's OFD locks are merged, so two overlapping lines are two
   * descriptions) or a POSIX lock (posix_locks_conflict: a different owner by kind); two flock locks (one
   * description's flock lock is converted, never doubled: two lines are two descriptions).
   */
  static String lockConflict(List<String> lines) {
    List<String[]> granted = new ArrayList<>();
    for (String l : lines) {
      String[] f = l.trim().split("\\s+");
      if (f.length >= 8 && !l.contains("->") && (f[1].equals("POSIX") || f[1].equals("OFDLCK") || f[1].equals("FLOCK"))) {
        granted.add(f);
      }
    }
    for (int i = 0; i < granted.size(); i++) {
      for (int j = i + 1; j < granted.size(); j++) {
        String[] a = granted.get(i);
        String[] b = granted.get(j);
        if (!a[5].equals(b[5]) || !(a[3].equals("WRITE") || b[3].equals("WRITE"))) {
          continue;
        }
        boolean flockA = a[1].equals("FLOCK");
        boolean conflict = flockA || b[1].equals("FLOCK") ? flockA && b[1].equals("FLOCK")
            : a[1].equals("POSIX") && b[1].equals("POSIX") ? !a[4].equals(b[4]) && overlap(a, b)
            : overlap(a, b); // OFD beside OFD or POSIX
        if (conflict) {
          return "has conflicting " + a[1] + "/" + b[1] + " locks: " + String.join(" ", a) + " and "
              + String.join(" ", b);
        }
      }
    }
    return null;
  }

  private static boolean overlap(String[] a, String[] b) {
    long as = Long.parseLong(a[6]);
    long ae = a[7].equals("EOF") ? Long.MAX_VALUE : Long.parseLong(a[7]);
    long bs = Long.parseLong(b[6]);
    long be = b[7].equals("EOF") ? Long.MAX_VALUE : Long.parseLong(b[7]);
    return as <= be && bs <= ae;
  }

  // ---------------------------------------------------------------- cr-keeps-leases

  private List<String> restoredNames(TraceEvent restart) {
    Object p = restart.arg("processes");
    List<String> out = new ArrayList<>();
    if (p instanceof List<?> l) {
      l.forEach(x -> out.add(String.valueOf(x)));
    }
    return out;
  }

  private static Map<Long, String> paths(CheckpointImage image) {
    Map<Long, String> m = new HashMap<>();
    for (OpenFile f : image.getFilesList()) {
      m.put(f.getId(), f.getPath());
    }
    return m;
  }

  private String keepsLeases() {
    for (int i = 0; i < events.size(); i++) {
      TraceEvent r = events.get(i);
      if (!isRestart(r)) {
        continue;
      }
      CheckpointImage image = images.get(String.valueOf(r.arg("id")));
      if (image == null) {
        continue;
      }
      List<Integer> chosen = restoredNames(r).stream().map(pids::get).filter(Objects::nonNull).toList();
      Map<Long, String> paths = paths(image);
      // a lease belongs to its open file description, not to its setter: it comes back with any restored
      // process that has the description open (a forked child after the setter closed its fd), and not with a
      // restored setter that no longer has it
      java.util.Set<Long> openByChosen = new java.util.HashSet<>();
      for (io.leasecr.proto.image.Process p : image.getProcessesList()) {
        if (chosen.contains(p.getSpec().getPid())) {
          openByChosen.addAll(p.getFdsMap().values());
        }
      }
      // CRIU takes a lease again with fcntl(F_SETLEASE) in a restored process that has the description open, so
      // /proc/locks names that process, not the setter the image names (a setter that exited before the dump:
      // ownership-last-close-drops-lease); in-kernel C/R keeps the setter's pid
      boolean criu = variant.mode().equals("criu");
      List<String> want = new ArrayList<>();
      for (Lease l : image.getLeasesList()) {
        if (openByChosen.contains(l.getFileId())) {
          want.add((criu ? "" : l.getPid() + " ") + paths.get(l.getFileId()));
        }
      }
      List<String> got = new ArrayList<>();
      for (int j = i + 1; j < events.size() && events.get(j).t() == r.t(); j++) {
        TraceEvent e = events.get(j);
        if (e.kind().equals("lease") && String.valueOf(e.arg("change")).startsWith("restored")) {
          if (criu && !chosen.contains(e.pid())) {
            return at(r.t()) + ": restart of " + r.arg("id") + " restored a lease on " + e.arg("path") + " in pid "
                + e.pid() + ", which it did not restore";
          }
          got.add(criu ? String.valueOf(e.arg("path")) : key(e));
        }
      }
      want.sort(null);
      got.sort(null);
      if (!want.equals(got)) {
        return at(r.t()) + ": restart of " + r.arg("id") + " restored leases " + got + ", the image has " + want;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- signalled-once

  /**
   * One logical break of a lease (holder, path): the pending states it entered, each of which signals the holder
   * once in the kernel (__break_lease calls lm_break, lease_break_callback, only for a lease that newly enters
   * FL_DOWNGRADE_PENDING or FL_UNLOCK_PENDING: a writer's break of a downgrade-pending lease signals a second
   * time), and the signals the holder got for it.
   */
  private record Break(java.util.Set<String> targets, int[] signals) {
    Break() {
      this(new java.util.TreeSet<>(), new int[1]);
    }

    Break copy() {
      return new Break(new java.util.TreeSet<>(targets), new int[] {signals[0]});
    }
  }

  private static Map<String, Break> copyBreaks(Map<String, Break> m) {
    Map<String, Break> c = new LinkedHashMap<>();
    m.forEach((k, b) -> c.put(k, b.copy()));
    return c;
  }

  private String signalledOnce() {
    // per logical break (holder, path), in the order the breaks began
    Map<String, Break> breaks = new LinkedHashMap<>();
    // a restart takes the holders back to their image: what they had been signalled is what it says (a restart
    // from an older checkpoint, after a killed commit, rolls back the signals its tree got since)
    Map<String, Map<String, Break>> atCheckpoint = new HashMap<>();
    // the fd each lease was last set through (F_SETLEASE): the si_fd of an F_SETSIG signal names its lease
    Map<String, String> leaseOfFd = new HashMap<>();
    Map<Integer, Object> settingFd = new HashMap<>();
    boolean checkpointSeen = false;
    for (TraceEvent e : events) {
      if (e.kind().equals("checkpoint") && e.t() == beforeSignalAt) {
        checkpointSeen = true;
      }
      if (e.kind().equals("checkpoint")) {
        atCheckpoint.put(String.valueOf(e.arg("id")), copyBreaks(breaks));
      } else if (isRestart(e) && atCheckpoint.containsKey(String.valueOf(e.arg("id")))) {
        breaks = copyBreaks(atCheckpoint.get(String.valueOf(e.arg("id"))));
      }
      if (e.kind().equals("enter") && "fcntl".equals(e.call()) && "F_SETLEASE".equals(e.arg("cmd"))) {
        settingFd.put(e.pid(), e.arg("fd"));
      } else if (e.kind().equals("return")) {
        settingFd.remove(e.pid());
      }
      if (e.kind().equals("lease")) {
        String k = key(e);
        if (settingFd.containsKey(e.pid()) && !"UNLCK".equals(e.arg("type"))) {
          leaseOfFd.put(e.pid() + " " + settingFd.get(e.pid()), k);
        }
        String change = String.valueOf(e.arg("change"));
        boolean breaking = !Objects.equals(e.arg("type"), e.arg("target")) && !"UNLCK".equals(e.arg("type"));
        if (breaking) {
          breaks.computeIfAbsent(k, x -> new Break()).targets().add(String.valueOf(e.arg("target")));
        } else if (!change.startsWith("restored")) {
          breaks.remove(k); // the break is over: released, removed or downgraded
        }
      } else if (e.kind().equals("signal") && !"SI_USER".equals(e.arg("code"))) {
        if (e.t() == beforeSignalAt && !checkpointSeen) {
          continue; // delivered in the break's instant, taken back by the before-signal checkpoint
        }
        // the signal is for one of the holder's breaking leases: the one its si_fd names, else the first that
        // has a signal due (SIGIO without si_fd cannot say which)
        List<String> mine = new ArrayList<>();
        for (String k : breaks.keySet()) {
          if (k.startsWith(e.pid() + " ")) {
            mine.add(k);
          }
        }
        if (mine.isEmpty()) {
          continue;
        }
        String named = e.arg("fd") == null ? null : leaseOfFd.get(e.pid() + " " + e.arg("fd"));
        String k = named != null && mine.contains(named) ? named : null;
        if (k == null) {
          for (String c : mine) {
            Break b = breaks.get(c);
            if (b.signals()[0] < b.targets().size()) {
              k = c;
              break;
            }
          }
        }
        if (k == null) {
          k = mine.get(0);
        }
        Break b = breaks.get(k);
        int n = ++b.signals()[0];
        if (n > b.targets().size()) {
          return at(e.t()) + ": holder " + e.proc() + "[" + e.pid() + "] signalled " + n + " times for one break of "
              + k.substring(k.indexOf(' ') + 1) + " (" + String.join(", ", pendingNames(b.targets())) + ")";
        }
      }
    }
    return null;
  }

  private static List<String> pendingNames(java.util.Set<String> targets) {
    List<String> out = new ArrayList<>();
    for (String t : targets) {
      out.add("READ".equals(t) ? "downgrade pending" : "UNLCK".equals(t) ? "unlock pending" : t);
    }
    return out;
  }

  // ---------------------------------------------------------------- typeprev-kept

  private String typePrevKept() {
    Map<String, String> before = new HashMap<>(); // (holder, path) -> the type when its first break began
    for (TraceEvent e : events) {
      if (e.kind().equals("lease") && String.valueOf(e.arg("change")).startsWith("break:")) {
        before.putIfAbsent(key(e), String.valueOf(e.arg("type")));
      } else if (e.kind().equals("lease") && "UNLCK".equals(e.arg("type"))) {
        before.remove(key(e));
      }
      if (e.kind().equals("checkpoint")) {
        CheckpointImage image = images.get(String.valueOf(e.arg("id")));
        if (image == null) {
          continue;
        }
        Map<Long, String> paths = paths(image);
        for (Lease l : image.getLeasesList()) {
          if (!(l.getUnlockPending() || l.getDowngradePending())) {
            continue;
          }
          String want = before.get(l.getPid() + " " + paths.get(l.getFileId()));
          String got = l.getHasTypePrev() ? procName(l.getTypePrevValue()) : "none";
          if (want != null && !want.equals(got)) {
            return at(e.t()) + ": image " + e.arg("id") + " says typePrev " + got + " for the lease of pid " + l.getPid()
                + ", it was " + want + " when the break began";
          }
        }
      }
    }
    return null;
  }

  private static String procName(int v) {
    return v == 0 ? "READ" : v == 1 ? "WRITE" : "UNLCK";
  }

  // ---------------------------------------------------------------- deadline-formula

  private String deadlineFormula() {
    for (int i = 0; i < events.size(); i++) {
      TraceEvent r = events.get(i);
      if (!isRestart(r)) {
        continue;
      }
      CheckpointImage image = images.get(String.valueOf(r.arg("id")));
      if (image == null) {
        continue;
      }
      List<Integer> chosen = restoredNames(r).stream().map(pids::get).filter(Objects::nonNull).toList();
      Map<Long, String> paths = paths(image);
      for (Lease l : image.getLeasesList()) {
        if (!chosen.contains(l.getPid()) || !(l.getUnlockPending() || l.getDowngradePending())) {
          continue;
        }
        long left = policy.timeLeft(l.getRemainingMs(), image.getLeaseBreakTime());
        if (left < 0) {
          continue; // no deadline in the image: nothing to keep
        }
        long want = Math.max(1, r.t() + left);
        // a downgrade under an unlock keeps its own time left: a break that targets READ (seed's re-broken
        // downgrade) is held to that one, under the same policy
        long downgradeLeft = l.hasDowngradeRemainingMs()
            ? policy.timeLeft(l.getDowngradeRemainingMs(), image.getLeaseBreakTime()) : -1;
        long wantDowngrade = downgradeLeft < 0 ? want : Math.max(1, r.t() + downgradeLeft);
        String k = l.getPid() + " " + paths.get(l.getFileId());
        String bad = followBreak(i, k, want, wantDowngrade);
        if (bad != null) {
          return bad + " (restart of " + r.arg("id") + " at " + at(r.t()) + ", remaining " + l.getRemainingMs()
              + " ms, policy " + variant.policy() + ")";
        }
      }
    }
    return null;
  }

  /**
   * After restart event {@code from}: the break of lease {@code k} must end by {@code want} with that deadline (a
   * downgrade's, by {@code wantDowngrade}: the image may keep its own time left).
   */
  private String followBreak(int from, String k, long want, long wantDowngrade) {
    long last = events.get(from).t();
    boolean deadline = false;
    boolean held = false;
    for (int j = from + 1; j < events.size(); j++) {
      TraceEvent e = events.get(j);
      if (treeGone(e)) {
        return held && !deadline ? "the break of " + k + " was not restored: the lease is held with no deadline until"
            + " the next checkpoint at " + at(e.t()) + ", the policy says " + at(want) : null;
      }
      last = e.t();
      if (!e.kind().equals("lease") || !k.equals(key(e))) {
        continue;
      }
      held = true;
      if ("UNLCK".equals(e.arg("type")) || (Objects.equals(e.arg("type"), e.arg("target"))
          && !String.valueOf(e.arg("change")).startsWith("restored"))) {
        // past its deadline a lease ends only when something looks at it (lazy expiry, time_out_leases), and an
        // F_UNLCK does not look (generic_delete_lease): once the break carries the policy's deadline (checked
        // above), any later end is that deadline kept, seen late; the openers' bound is opener-bound's to check
        return e.t() <= want || deadline ? null : at(e.t()) + ": the break of " + k + " ended at " + at(e.t())
            + ", the policy says " + at(want);
      }
      Object d = e.arg("deadline");
      deadline |= d != null;
      long w = "READ".equals(e.arg("target")) ? wantDowngrade : want;
      if (d != null && ((Number) d).longValue() != w) {
        return at(e.t()) + ": the break of " + k + " has deadline " + at(((Number) d).longValue()) + ", the policy says "
            + at(w);
      }
    }
    // a lease that carries the policy's deadline and that nobody looked at afterwards is still BREAKING, as on
    // Linux (lazy expiry); openers that wait on it are held to their bound by opener-bound
    return held && !deadline ? "the break of " + k + " never ended (lease still held at " + at(last)
        + " with no deadline), the policy says " + at(want) : null;
  }

  // ---------------------------------------------------------------- opener-bound

  private String openerBound() {
    Map<String, Long> deadlineOf = new HashMap<>(); // path -> current break deadline
    // pid step -> {bound, checkpoints, the deadline of the downgrade a reader waits for under a later unlock}
    Map<String, long[]> waiting = new LinkedHashMap<>();
    java.util.Set<String> readers = new java.util.HashSet<>(); // the waiters that open O_RDONLY (no O_TRUNC)
    Map<String, String> pathOf = new HashMap<>();
    Map<String, Integer> pidOf = new HashMap<>();
    Map<String, Object> targetOf = new HashMap<>(); // (holder, path) -> the target of its break, while breaking
    long checkpointAt = -1;
    // per checkpoint: its time and the waiters then; a restart goes on from its own image's (after a killed
    // commit that is an older checkpoint than the last one)
    Map<String, Long> checkpointTime = new HashMap<>();
    Map<String, Map<String, long[]>> waitingAt = new HashMap<>();
    String violation = null;
    for (TraceEvent e : events) {
      if (e.kind().equals("lease")) {
        Object d = e.arg("deadline");
        String path = String.valueOf(e.arg("path"));
        Object before = targetOf.get(key(e));
        if (d != null) {
          deadlineOf.put(path, ((Number) d).longValue());
          if ("READ".equals(before) && "UNLCK".equals(e.arg("target"))
              && String.valueOf(e.arg("change")).startsWith("break:")) {
            // a writer's break of a downgrade-pending lease: an opener asleep on the file sleeps until the first
            // lease's fl_break_time, now the unlock's deadline (__break_lease); the downgrade's fl_downgrade_time
            // is seen only by time_out_leases, so a reader asleep on the downgrade is held to it only once some
            // open or truncate of the file looks past it (below)
            for (var w : waiting.entrySet()) {
              long[] b = w.getValue();
              if (path.equals(pathOf.get(w.getKey())) && ((Number) d).longValue() > b[0]) {
                if (readers.contains(w.getKey())) {
                  b[2] = Math.min(b[2], b[0]);
                }
                b[0] = ((Number) d).longValue();
              }
            }
          }
        }
        if (!Objects.equals(e.arg("type"), e.arg("target")) && !"UNLCK".equals(e.arg("type"))) {
          targetOf.put(key(e), e.arg("target"));
        } else {
          targetOf.remove(key(e));
        }
      } else if (e.kind().equals("exit")) {
        // a process that exits (killed while it slept) no longer waits
        waiting.keySet().removeIf(w -> Objects.equals(pidOf.get(w), e.pid()));
      } else if (e.kind().equals("enter") && ("open".equals(e.call()) || "truncate".equals(e.call()))) {
        String path = String.valueOf(e.arg("path"));
        String flags = String.valueOf(e.arg("flags"));
        if (!flags.contains("O_PATH")) {
          // __break_lease runs time_out_leases first: an overdue downgrade is carried out, its readers proceed
          for (var w : waiting.entrySet()) {
            long[] b = w.getValue();
            if (path.equals(pathOf.get(w.getKey())) && b[2] <= e.t()) {
              b[0] = Math.min(b[0], e.t());
            }
          }
        }
        pathOf.put(e.pid() + " " + e.step(), path);
        if ("open".equals(e.call()) && flags.startsWith("O_RDONLY") && !flags.contains("O_TRUNC")) {
          readers.add(e.pid() + " " + e.step());
        } else {
          readers.remove(e.pid() + " " + e.step());
        }
      } else if (e.kind().equals("block") && ("open".equals(e.call()) || "truncate".equals(e.call()))) {
        String w = e.pid() + " " + e.step();
        if (!waiting.containsKey(w)) {
          Long d = deadlineOf.get(pathOf.get(w));
          waiting.put(w, new long[] {d == null ? Long.MAX_VALUE : d, 0, Long.MAX_VALUE});
          pidOf.put(w, e.pid());
        }
      } else if (e.kind().equals("return")) {
        long[] b = waiting.remove(e.pid() + " " + e.step());
        if (b != null && e.t() > b[0] && violation == null) {
          violation = verdict(e.proc() + "'s " + e.call() + " (step " + e.step() + ") returned at " + at(e.t())
              + ", its bound was " + at(b[0]), b);
        }
      } else if (e.kind().equals("checkpoint")) {
        checkpointAt = e.t();
        checkpointTime.put(String.valueOf(e.arg("id")), e.t());
        waitingAt.put(String.valueOf(e.arg("id")), copyWaiting(waiting));
      } else if (isRestart(e)) {
        String id = String.valueOf(e.arg("id"));
        if (waitingAt.containsKey(id)) {
          waiting = copyWaiting(waitingAt.get(id));
          checkpointAt = checkpointTime.get(id);
        }
        List<Integer> chosen = restoredNames(e).stream().map(pids::get).filter(Objects::nonNull).toList();
        for (var it = waiting.entrySet().iterator(); it.hasNext(); ) {
          var w = it.next();
          if (!chosen.contains(pidOf.get(w.getKey()))) {
            it.remove(); // its process is not back: nobody waits any more
            continue;
          }
          long[] b = w.getValue();
          if (b[0] != Long.MAX_VALUE && checkpointAt >= 0) {
            b[0] = e.t() + Math.max(0, b[0] - checkpointAt);
            b[1]++;
          }
          if (b[2] != Long.MAX_VALUE && checkpointAt >= 0) {
            b[2] = e.t() + Math.max(0, b[2] - checkpointAt);
          }
        }
        deadlineOf.clear();
        targetOf.clear();
      }
    }
    long end = events.isEmpty() ? 0 : events.get(events.size() - 1).t();
    for (var w : waiting.entrySet()) {
      long[] b = w.getValue();
      if (violation == null && b[0] != Long.MAX_VALUE && end > b[0]) {
        violation = verdict("pid " + w.getKey().replace(" ", "'s call at step ") + " still blocked at " + at(end)
            + ", its bound was " + at(b[0]), b);
      }
    }
    return violation;
  }

  private static Map<String, long[]> copyWaiting(Map<String, long[]> waiting) {
    Map<String, long[]> c = new LinkedHashMap<>();
    waiting.forEach((k, b) -> c.put(k, b.clone()));
    return c;
  }

  private String verdict(String what, long[] b) {
    if (policy.kind() == RestartPolicy.Kind.FAVOR_HOLDER || policy.kind() == RestartPolicy.Kind.DELTA && policy.deltaMs() > 0
        || variant.mode().equals("criu")) {
      starvedCheckpoints = (int) b[1];
      return "starvation after " + b[1] + " checkpoint(s): " + what;
    }
    return what;
  }
}
