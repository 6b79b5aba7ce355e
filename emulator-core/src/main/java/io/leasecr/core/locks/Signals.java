package io.leasecr.core.locks;

import java.util.Locale;

/** Linux signal numbers and names (x86-64), and si_code values the lease code uses. */
public final class Signals {
  public static final int SIGHUP = 1;
  public static final int SIGINT = 2;
  public static final int SIGKILL = 9;
  public static final int SIGUSR1 = 10;
  public static final int SIGUSR2 = 12;
  public static final int SIGPIPE = 13;
  public static final int SIGALRM = 14;
  public static final int SIGTERM = 15;
  public static final int SIGCHLD = 17;
  public static final int SIGCONT = 18;
  public static final int SIGSTOP = 19;
  public static final int SIGURG = 23;
  public static final int SIGWINCH = 28;
  public static final int SIGIO = 29;
  public static final int SIGRTMIN = 34;
  public static final int SIGRTMAX = 64;

  /** si_code of a plain SIGIO sent by the kernel (send_sigio with signum 0). */
  public static final int SI_KERNEL = 0x80;
  /** si_code of the F_SETSIG signal for a lease break (kill_fasync(..., POLL_MSG)). */
  public static final int POLL_MSG = 3;
  /** si_code of a signal sent with kill(2). */
  public static final int SI_USER = 0;

  private static final String[] NAMES = {
    null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
    "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
    "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
    "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"
  };

  private Signals() {}

  public static String name(int signo) {
    if (signo > 0 && signo < NAMES.length) {
      return NAMES[signo];
    }
    if (signo >= SIGRTMIN && signo <= SIGRTMAX) {
      return signo == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+" + (signo - SIGRTMIN);
    }
    return "SIG" + signo;
  }

  /** Accepts SIGIO, IO, SIGPOLL, SIGRTMIN+3 or a number; -1 when unknown. */
  public static int parse(String text) {
    String s = text.trim().toUpperCase(Locale.ROOT);
    try {
      if (s.chars().allMatch(Character::isDigit) && !s.isEmpty()) {
        return Integer.parseInt(s);
      }
      return parseName(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static int parseName(String s) {
    if (!s.startsWith("SIG")) {
      s = "SIG" + s;
    }
    if (s.equals("SIGPOLL")) {
      return SIGIO;
    }
    if (s.startsWith("SIGRTMIN")) {
      String rest = s.substring("SIGRTMIN".length());
      if (rest.isEmpty()) {
        return SIGRTMIN;
      }
      if (!rest.startsWith("+")) {
        return -1;
      }
      return SIGRTMIN + Integer.parseInt(rest.substring(1));
    }
    for (int i = 1; i < NAMES.length; i++) {
      if (s.equals(NAMES[i])) {
        return i;
      }
    }
    return -1;
  }

  public static String codeName(int siCode) {
    return switch (siCode) {
      case SI_KERNEL -> "SI_KERNEL";
      case POLL_MSG -> "POLL_MSG";
      case SI_USER -> "SI_USER";
      default -> String.valueOf(siCode);
    };
  }

  /** What SIG_DFL does (signal(7)): true if the process dies, false if the signal is discarded. */
  public static boolean defaultTerminates(int signo) {
    return switch (signo) {
      case SIGCHLD, SIGCONT, SIGURG, SIGWINCH -> false;
      default -> signo != SIGSTOP; // stop/continue are not emulated: SIGSTOP is treated as discarded
    };
  }

  public static boolean catchable(int signo) {
    return signo != SIGKILL && signo != SIGSTOP;
  }
}
