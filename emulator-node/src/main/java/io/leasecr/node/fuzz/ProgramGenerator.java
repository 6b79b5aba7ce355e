package io.leasecr.node.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates programs over the scenario vocabulary from a seed (the same seed, the same program): opens in every
 * mode and flag (O_CLOEXEC too), leases, F_GETLEASE, F_SETSIG, truncate, ftruncate, close, dup, dup2, dup3,
 * F_DUPFD(_CLOEXEC), F_GETFD/F_SETFD, execve, fork, POSIX, OFD and flock locks, signal dispositions, signal masks
 * (sigprocmask) and synchronous waits (sigtimedwait, sigwaitinfo), real-time signals chosen with F_SETSIG, kills,
 * sysctl changes, exits and /proc/locks reads.
 *
 * <p>Weighted toward what finds bugs: every program starts with a lease, writers and O_NONBLOCK openers are
 * common (breaks), the holder's scripted reaction comes before or after the deadline (races between releases and
 * deadlines), and forks and dups share descriptions.
 *
 * <p>Timing: lease-break-time is 1 s and the run is 1:1 (real = emulated). Steps and reaction delays fall on a
 * grid of {@value #GRID} ms, so every break starts on the grid and its deadline (1 s later = 3.5 grid steps)
 * falls half-way between two grid points: nothing the program does is within 140 ms of a deadline, so the real
 * kernel's timer slack and scheduling cannot turn a "before" into an "after". Delayed reactions come a quarter
 * grid step off the grid (never at a step, never at a deadline), sigtimedwait timeouts end three quarters off it.
 * Steps of different processes never share an instant (the kernel side would run them in either order).
 */
public final class ProgramGenerator {

  /** Grid of step times (ms): 1000 = 3.5 x GRID. */
  public static final long GRID = 286;

  private static final String[] FILES = {"/data/F1", "/data/F2"};

  private final Random r;
  private final List<String> names = new ArrayList<>();
  private final List<Program.Op> ops = new ArrayList<>();
  private int files;
  private long t;

  private ProgramGenerator(long seed) {
    this.r = new Random(seed);
  }

  /** Program {@code index} of the run seeded {@code seed}: reproducible alone. */
  public static Program generate(long seed, int index) {
    return new ProgramGenerator(seed * 1_000_003L + index).program();
  }

  private Program program() {
    files = r.nextInt(5) == 0 ? 2 : 1;
    int others = r.nextInt(10) < 6 ? 1 : 2;
    boolean fork = r.nextInt(4) == 0;
    boolean setsig = r.nextInt(4) == 0;
    List<Program.Proc> procs = new ArrayList<>();
    // Samba's kernel oplocks take a real-time signal: its breaks queue one siginfo each while it is blocked
    String sig = setsig ? pick(new String[] {"SIGUSR1", "SIGRTMIN+1"}, 2, 1) : "SIGIO";
    setsigSignal = sig;
    List<Program.Reaction> reactions = new ArrayList<>();
    if (r.nextInt(10) < 7) {
      String action = pick(new String[] {"release", "downgrade", "close", "nothing"}, 4, 2, 2, 2);
      // a quarter grid off the steps, and never on a deadline (3.5 grid steps after a step): no ties
      long after = pick(new Long[] {0L, GRID * 5 / 4, GRID * 9 / 4, GRID * 17 / 4, GRID * 21 / 4}, 3, 2, 2, 2, 1);
      reactions.add(new Program.Reaction(sig, action, after));
    }
    String disp = pick(new String[] {"handler", "handler+restart", "ignore", "default"}, 6, 2, 1, 1);
    procs.add(new Program.Proc("P1", 101, null,
        setsig ? Program.signals("SIGIO", disp, sig, "handler") : Program.signals("SIGIO", disp), reactions));
    names.add("P1");
    for (int i = 0; i < others; i++) {
      String name = "P" + (i + 2);
      procs.add(new Program.Proc(name, 102 + i, null, r.nextInt(10) < 4
          ? Program.signals("SIGUSR2", r.nextBoolean() ? "handler" : "handler+restart") : Map.of(), List.of()));
      names.add(name);
    }
    // the holder: an open and a lease at 0
    String mode = pick(new String[] {"O_RDONLY", "O_RDWR", "O_WRONLY"}, 5, 3, 2);
    add(0, "P1", "proc: P1, open: /data/F1, flags: " + mode);
    add(0, "P1", "proc: P1, fcntl: F_SETLEASE, fd: 3, arg: " + (mode.equals("O_RDONLY") && r.nextInt(10) < 6 ? "F_RDLCK" : "F_WRLCK"));
    if (setsig) {
      add(0, "P1", "proc: P1, fcntl: F_SETSIG, fd: 3, arg: " + sig);
    }
    if (fork) {
      procs.add(new Program.Proc("C1", 102 + others, "P1", Map.of(), List.of()));
      add(0, "C1", "proc: P1, fork: C1");
      names.add("C1");
    }
    String last = "P1";
    int n = 3 + r.nextInt(6);
    for (int i = 0; i < n; i++) {
      String proc = names.get(r.nextInt(names.size()));
      long gap = GRID * pick(new Integer[] {1, 2, 4}, 6, 3, 1);
      boolean sameInstant = proc.equals(last) && r.nextInt(4) == 0;
      last = randomStep(sameInstant ? t : t + gap, proc, sameInstant);
    }
    return new Program(files, procs, List.copyOf(ops));
  }

  /** One random step at {@code t}; returns the process it belongs to (null-safe for the same-instant rule). */
  private String randomStep(long at, String proc, boolean sameInstant) {
    int kind = r.nextInt(100);
    if (kind < 25) {
      t = at;
      fdOrLockStep(proc);
      return proc;
    }
    if (kind < 37) {
      t = at;
      signalStep(proc);
      return proc;
    }
    int w = r.nextInt(100);
    // kills, sysctls and /proc/locks reads never share an instant with a call
    boolean scenarioStep = w >= 30 && w < 40 || w >= 84 && w < 90 || w >= 95 && w < 98;
    t = scenarioStep && sameInstant ? at + GRID : at;
    if (w < 30) {
      String mode = pick(new String[] {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_PATH"}, 35, 30, 20, 5);
      boolean nonblock = r.nextInt(100) < 35;
      boolean trunc = !mode.equals("O_PATH") && r.nextInt(10) == 0;
      String flags = mode + (nonblock ? "|O_NONBLOCK" : "") + (trunc ? "|O_TRUNC" : "");
      String body = "proc: " + proc + ", open: " + file() + ", flags: ";
      List<String> simpler = new ArrayList<>();
      if (nonblock || trunc) {
        simpler.add(body + mode);
      }
      add(t, proc, body + flags, simpler);
    } else if (w < 40) {
      add(t, null, "proc_locks: true");
      return "scenario";
    } else if (w < 52) {
      add(t, proc, "proc: " + proc + ", fcntl: F_SETLEASE, fd: " + fd() + ", arg: "
          + pick(new String[] {"F_RDLCK", "F_WRLCK", "F_UNLCK"}, 3, 3, 4));
    } else if (w < 60) {
      add(t, proc, "proc: " + proc + ", fcntl: F_GETLEASE, fd: " + fd());
    } else if (w < 67) {
      add(t, proc, "proc: " + proc + ", close: " + fd());
    } else if (w < 72) {
      add(t, proc, "proc: " + proc + ", dup: " + fd());
    } else if (w < 78) {
      if (r.nextInt(3) == 0) {
        add(t, proc, "proc: " + proc + ", ftruncate: " + fd());
      } else {
        add(t, proc, "proc: " + proc + ", truncate: " + file());
      }
    } else if (w < 84) {
      String cmd = pick(new String[] {"F_SETLK", "F_SETLKW", "F_GETLK"}, 4, 3, 3);
      String type = cmd.equals("F_GETLK") ? pick(new String[] {"F_RDLCK", "F_WRLCK"}, 1, 1)
          : pick(new String[] {"F_RDLCK", "F_WRLCK", "F_UNLCK"}, 2, 2, 1);
      long start = r.nextBoolean() ? 0 : 10;
      long len = r.nextBoolean() ? 0 : 10;
      String body = "proc: " + proc + ", fcntl: " + cmd + ", fd: " + fd() + ", arg: " + type;
      add(t, proc, body + ", start: " + start + ", len: " + len, List.of(body + ", start: 0, len: 0"));
    } else if (w < 90) {
      String target = r.nextInt(5) == 0 ? "P1" : names.get(r.nextInt(names.size()));
      add(t, target, "kill: " + target + ", signal: " + pick(new String[] {"SIGUSR2", "SIGKILL", "SIGTERM", setsigSignal}, 2, 1, 1, 1));
      return "scenario";
    } else if (w < 93) {
      add(t, proc, "proc: " + proc + ", sigaction: " + pick(new String[] {"SIGIO", "SIGUSR2"}, 2, 1) + ", action: "
          + pick(new String[] {"default", "ignore", "handler", "handler+restart"}, 1, 1, 2, 1));
    } else if (w < 95) {
      add(t, proc, "proc: " + proc + ", fcntl: F_SETSIG, fd: " + fd() + ", arg: " + (r.nextBoolean() ? "0" : "SIGUSR1"));
    } else if (w < 98) {
      boolean breakTime = r.nextBoolean();
      add(t, null, "sysctl: " + (breakTime ? "fs.lease-break-time" : "fs.leases-enable") + ", value: " + r.nextInt(2));
      return "scenario";
    } else {
      add(t, proc, "proc: " + proc + ", exit: 0");
    }
    return proc;
  }

  /**
   * The calls added with flock and OFD locks and the fd vocabulary: flock(2) (LOCK_NB or sleeping), F_OFD_SETLK(W) /
   * F_OFD_GETLK, dup2/dup3 onto a chosen fd (a lease fd included), F_DUPFD(_CLOEXEC), F_GETFD/F_SETFD, an
   * O_CLOEXEC open and execve (rare: it ends the handlers' reactions).
   */
  private void fdOrLockStep(String proc) {
    int w = r.nextInt(100);
    String p = "proc: " + proc + ", ";
    if (w < 25) {
      String op = pick(new String[] {"LOCK_SH", "LOCK_EX", "LOCK_UN"}, 4, 4, 2);
      boolean nb = !op.equals("LOCK_UN") && r.nextInt(10) < 6;
      String body = p + "flock: " + fd() + ", op: " + op;
      add(t, proc, body + (nb ? ", nb: true" : ""), nb ? List.of(body) : List.of());
    } else if (w < 50) {
      String cmd = pick(new String[] {"F_OFD_SETLK", "F_OFD_SETLKW", "F_OFD_GETLK"}, 4, 3, 3);
      String type = cmd.equals("F_OFD_GETLK") ? pick(new String[] {"F_RDLCK", "F_WRLCK"}, 1, 1)
          : pick(new String[] {"F_RDLCK", "F_WRLCK", "F_UNLCK"}, 2, 2, 1);
      long start = r.nextBoolean() ? 0 : 10;
      long len = r.nextBoolean() ? 0 : 10;
      String body = p + "fcntl: " + cmd + ", fd: " + fd() + ", arg: " + type;
      add(t, proc, body + ", start: " + start + ", len: " + len, List.of(body + ", start: 0, len: 0"));
    } else if (w < 62) {
      int newfd = pick(new Integer[] {3, 4, 5, 6}, 3, 3, 2, 2);
      if (r.nextBoolean()) {
        add(t, proc, p + "dup2: " + fd() + ", newfd: " + newfd);
      } else {
        String body = p + "dup3: " + fd() + ", newfd: " + newfd;
        add(t, proc, body + ", flags: " + pick(new String[] {"O_CLOEXEC", "0"}, 2, 1), List.of(body));
      }
    } else if (w < 77) {
      String cmd = r.nextBoolean() ? "F_DUPFD" : "F_DUPFD_CLOEXEC";
      String body = p + "fcntl: " + cmd + ", fd: " + fd() + ", arg: ";
      add(t, proc, body + pick(new Integer[] {0, 5, 10}, 2, 2, 1), List.of(body + "0"));
    } else if (w < 87) {
      if (r.nextBoolean()) {
        add(t, proc, p + "fcntl: F_GETFD, fd: " + fd());
      } else {
        add(t, proc, p + "fcntl: F_SETFD, fd: " + fd() + ", arg: " + (r.nextInt(3) == 0 ? "0" : "FD_CLOEXEC"));
      }
    } else if (w < 95) {
      String mode = pick(new String[] {"O_RDONLY", "O_WRONLY", "O_RDWR"}, 4, 3, 3);
      String body = p + "open: " + file() + ", flags: " + mode;
      add(t, proc, body + "|O_CLOEXEC", List.of(body));
    } else {
      add(t, proc, p + "execve: true");
    }
  }

  /** The signal F_SETSIG names at the start (SIGUSR1 or SIGRTMIN+1), or SIGIO. */
  private String setsigSignal = "SIGIO";

  /**
   * Signal masks and synchronous waits: sigprocmask (block, unblock, setmask) over the signals programs get
   * (SIGIO, the F_SETSIG signal, SIGUSR2 and SIGTERM from kills), sigtimedwait with a zero timeout (a poll) or one
   * that ends three quarters off the grid, sigwaitinfo (rare: it may sleep to the end).
   */
  private void signalStep(String proc) {
    int w = r.nextInt(100);
    String p = "proc: " + proc + ", ";
    List<String> set = new ArrayList<>();
    for (String s : new String[] {"SIGIO", setsigSignal, "SIGUSR2", "SIGTERM"}) {
      if (!set.contains(s) && r.nextInt(100) < (s.equals("SIGTERM") ? 15 : s.equals("SIGUSR2") ? 30 : 60)) {
        set.add(s);
      }
    }
    if (set.isEmpty() && w >= 10) {
      set.add(r.nextBoolean() ? "SIGIO" : setsigSignal);
    }
    String list = "[" + String.join(", ", set) + "]";
    List<String> simpler = set.size() > 1 ? List.of("[" + set.get(0) + "]") : List.of();
    if (w < 55) {
      String how = w < 10 ? "setmask" : pick(new String[] {"block", "unblock", "setmask"}, 5, 4, 1);
      String body = p + "sigprocmask: " + how + ", signals: ";
      add(t, proc, body + list, simpler.stream().map(s -> body + s).toList());
    } else if (w < 92) {
      long timeout = pick(new Long[] {0L, GRID * 3 / 4, GRID * 7 / 4}, 4, 3, 2);
      String body = p + "sigtimedwait: ";
      add(t, proc, body + list + ", timeout: " + timeout + "ms",
          simpler.stream().map(s -> body + s + ", timeout: " + timeout + "ms").toList());
    } else {
      add(t, proc, p + "sigwaitinfo: " + list, simpler.stream().map(s -> p + "sigwaitinfo: " + s).toList());
    }
  }

  private void add(long t, String proc, String body) {
    add(t, proc, body, List.of());
  }

  private void add(long t, String proc, String body, List<String> simpler) {
    ops.add(new Program.Op(t, proc, body, List.copyOf(simpler)));
  }

  private String file() {
    return FILES[files == 2 && r.nextInt(3) == 0 ? 1 : 0];
  }

  private int fd() {
    return pick(new Integer[] {3, 4, 5}, 7, 2, 1);
  }

  @SafeVarargs
  private <T> T pick(T[] values, int... weights) {
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    int x = r.nextInt(total);
    for (int i = 0; i < values.length; i++) {
      x -= weights[i];
      if (x < 0) {
        return values[i];
      }
    }
    return values[values.length - 1];
  }
}
