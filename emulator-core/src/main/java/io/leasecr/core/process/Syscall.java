package io.leasecr.core.process;

import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.FlockLocks;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.locks.Signals;
import io.leasecr.core.trace.TraceEvent;
import java.util.Map;

/** The system calls an emulated process can make. */
public sealed interface Syscall {

  String name();

  /** The call's arguments as the trace shows them (docs/trace-format.md). */
  default Map<String, Object> traceArgs() {
    if (this instanceof Open o) {
      return TraceEvent.args("path", o.path(), "flags", o.flags());
    } else if (this instanceof Truncate t) {
      return TraceEvent.args("path", t.path());
    } else if (this instanceof Close c) {
      return TraceEvent.args("fd", c.fd());
    } else if (this instanceof Dup d) {
      return TraceEvent.args("fd", d.fd());
    } else if (this instanceof Ftruncate f) {
      return TraceEvent.args("fd", f.fd(), "length", 0);
    } else if (this instanceof Fcntl f) {
      return TraceEvent.args("fd", f.fd(), "cmd", f.cmd().name(), "arg", f.traceArg());
    } else if (this instanceof RecordLock r) {
      return TraceEvent.args("fd", r.fd(), "cmd", r.cmd().name(), "type", LeaseType.ofValue(r.type()) == null
          ? (Object) r.type() : LeaseType.ofValue(r.type()).fcntlName(), "start", r.start(), "len", r.len(),
          "pid", r.lPid() == 0 ? null : r.lPid());
    } else if (this instanceof Flock f) {
      return TraceEvent.args("fd", f.fd(), "op", FlockLocks.opName(f.op()));
    } else if (this instanceof Fork f) {
      return TraceEvent.args("child", f.childName(), "childPid", f.childPid());
    } else if (this instanceof Sigaction s) {
      return TraceEvent.args("signal", Signals.name(s.signo()), "action", s.disposition().describe());
    } else if (this instanceof FdOp f) {
      return switch (f.op()) {
        case DUP2 -> TraceEvent.args("fd", f.fd(), "newfd", f.arg());
        case DUP3 -> TraceEvent.args("fd", f.fd(), "newfd", f.arg(), "flags",
            f.flags() == FdOp.O_CLOEXEC ? "O_CLOEXEC" : (Object) f.flags());
        case F_SETFD -> TraceEvent.args("fd", f.fd(), "cmd", f.op().name(),
            "arg", f.arg() == FdOp.FD_CLOEXEC ? "FD_CLOEXEC" : (Object) f.arg());
        case F_GETFD -> TraceEvent.args("fd", f.fd(), "cmd", f.op().name());
        default -> TraceEvent.args("fd", f.fd(), "cmd", f.op().name(), "arg", f.arg());
      };
    } else if (this instanceof Execve) {
      return TraceEvent.args("path", "self");
    } else if (this instanceof Sigprocmask m) {
      return TraceEvent.args("how", m.how().name(), "set", Sigprocmask.names(m.set()));
    } else if (this instanceof Sigwait w) {
      return TraceEvent.args("set", Sigprocmask.names(w.set()), "timeout", w.timeoutMs() < 0 ? null : w.timeoutMs());
    }
    return TraceEvent.args("status", ((Exit) this).status());
  }

  record Open(String path, AccessMode mode, boolean nonblock, boolean trunc, boolean cloexec) implements Syscall {
    public Open(String path, AccessMode mode, boolean nonblock, boolean trunc) {
      this(path, mode, nonblock, trunc, false);
    }

    @Override
    public String name() {
      return "open";
    }

    public String flags() {
      return mode.name() + (nonblock ? "|O_NONBLOCK" : "") + (trunc ? "|O_TRUNC" : "") + (cloexec ? "|O_CLOEXEC" : "");
    }
  }

  /**
   * The calls that make and flag fds: dup2(fd, arg), dup3(fd, arg, flags), fcntl(fd, F_DUPFD or F_DUPFD_CLOEXEC,
   * arg) (the lowest free fd >= arg), fcntl(fd, F_GETFD) and fcntl(fd, F_SETFD, arg).
   */
  record FdOp(Op op, int fd, long arg, int flags) implements Syscall {
    /** O_CLOEXEC, the one flag dup3 takes. */
    public static final int O_CLOEXEC = 02000000;
    public static final int FD_CLOEXEC = 1;
    /** RLIMIT_NOFILE, the usual soft limit (the kernel side sets it too): fds are 0 to 1023. */
    public static final int NOFILE = 1024;

    public enum Op {
      DUP2,
      DUP3,
      F_DUPFD,
      F_DUPFD_CLOEXEC,
      F_GETFD,
      F_SETFD
    }

    @Override
    public String name() {
      return switch (op) {
        case DUP2 -> "dup2";
        case DUP3 -> "dup3";
        default -> "fcntl";
      };
    }
  }

  /**
   * execve(2) of the same program, which goes on with the scenario's next steps: fds with FD_CLOEXEC are closed
   * (their leases and locks go as at a close), handled signals go back to their default, ignored ones stay
   * ignored, the scripted reactions (the old program's handlers) are gone.
   */
  record Execve() implements Syscall {
    @Override
    public String name() {
      return "execve";
    }
  }

  record Close(int fd) implements Syscall {
    @Override
    public String name() {
      return "close";
    }
  }

  record Dup(int fd) implements Syscall {
    @Override
    public String name() {
      return "dup";
    }
  }

  /** ftruncate(fd, 0): needs a regular file open for writing; breaks no lease (checked on 6.18). */
  record Ftruncate(int fd) implements Syscall {
    @Override
    public String name() {
      return "ftruncate";
    }
  }

  record Truncate(String path) implements Syscall {
    @Override
    public String name() {
      return "truncate";
    }
  }

  /** fcntl(fd, cmd, arg) for the lease commands. */
  record Fcntl(int fd, Cmd cmd, long arg) implements Syscall {
    public enum Cmd {
      F_SETLEASE,
      F_GETLEASE,
      F_SETSIG
    }

    @Override
    public String name() {
      return "fcntl";
    }

    Object traceArg() {
      return switch (cmd) {
        case F_SETLEASE -> {
          LeaseType t = LeaseType.ofValue(arg);
          yield t == null ? (Object) arg : t.fcntlName();
        }
        case F_SETSIG -> arg == 0 ? (Object) 0L : Signals.name((int) arg);
        case F_GETLEASE -> null;
      };
    }
  }

  /**
   * fcntl(fd, F_SETLK | F_SETLKW | F_GETLK, &flock) over [start, start+len), whence SEEK_SET; len 0: to EOF.
   * The F_OFD_* commands take a lock owned by the open file description; {@code lPid} is flock.l_pid, which
   * they require to be 0.
   */
  record RecordLock(int fd, Cmd cmd, long type, long start, long len, long lPid) implements Syscall {
    public enum Cmd {
      F_SETLK,
      F_SETLKW,
      F_GETLK,
      F_OFD_SETLK,
      F_OFD_SETLKW,
      F_OFD_GETLK;

      public boolean ofd() {
        return this == F_OFD_SETLK || this == F_OFD_SETLKW || this == F_OFD_GETLK;
      }

      public boolean getLk() {
        return this == F_GETLK || this == F_OFD_GETLK;
      }

      public boolean waits() {
        return this == F_SETLKW || this == F_OFD_SETLKW;
      }
    }

    public RecordLock(int fd, Cmd cmd, long type, long start, long len) {
      this(fd, cmd, type, start, len, 0);
    }

    @Override
    public String name() {
      return "fcntl";
    }
  }

  /** flock(fd, op): LOCK_SH, LOCK_EX or LOCK_UN, optionally | LOCK_NB (the values of FlockLocks). */
  record Flock(int fd, int op) implements Syscall {
    @Override
    public String name() {
      return "flock";
    }
  }

  record Fork(int childPid, String childName) implements Syscall {
    @Override
    public String name() {
      return "fork";
    }
  }

  record Exit(int status) implements Syscall {
    @Override
    public String name() {
      return "exit";
    }
  }

  record Sigaction(int signo, Disposition disposition) implements Syscall {
    @Override
    public String name() {
      return "sigaction";
    }
  }

  /**
   * sigprocmask(how, set, NULL): the signals in {@code set} (bit signo-1) are blocked, unblocked, or become the
   * mask. SIGKILL and SIGSTOP are never blocked (the kernel drops them from the set without an error). A signal
   * that arrives while blocked stays pending: a standard one (below the kernel's SIGRTMIN, 32) once however often
   * it comes, keeping the first one's siginfo; a real-time one queued once per sending, each with its siginfo.
   */
  record Sigprocmask(How how, long set) implements Syscall {
    public enum How {
      SIG_BLOCK,
      SIG_UNBLOCK,
      SIG_SETMASK
    }

    /** The mask bit of a signal. */
    public static long bit(int signo) {
      return 1L << (signo - 1);
    }

    /** The signals of a mask, by name, lowest first. */
    public static java.util.List<String> names(long set) {
      java.util.List<String> out = new java.util.ArrayList<>();
      for (int s = 1; s <= 64; s++) {
        if ((set & bit(s)) != 0) {
          out.add(Signals.name(s));
        }
      }
      return out;
    }

    @Override
    public String name() {
      return "sigprocmask";
    }
  }

  /**
   * sigtimedwait(set, &info, timeout) ({@code timeoutMs} >= 0) or sigwaitinfo(set, &info) ({@code timeoutMs} -1):
   * takes a pending signal of {@code set} (lowest number first, a real-time signal's queue in order) and returns
   * its number, si_code and si_fd in the return; EAGAIN when the timeout passes, EINTR when a handled signal
   * outside the set interrupts it (never restarted, whatever SA_RESTART says).
   */
  record Sigwait(long set, long timeoutMs) implements Syscall {
    @Override
    public String name() {
      return timeoutMs < 0 ? "sigwaitinfo" : "sigtimedwait";
    }
  }
}
