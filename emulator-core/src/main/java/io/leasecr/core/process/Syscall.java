package io.leasecr.core.process;

import io.leasecr.core.locks.AccessMode;

/** The system calls an emulated process can make. */
public sealed interface Syscall {

  String name();

  record Open(String path, AccessMode mode, boolean nonblock, boolean trunc) implements Syscall {
    @Override
    public String name() {
      return "open";
    }

    public String flags() {
      return mode.name() + (nonblock ? "|O_NONBLOCK" : "") + (trunc ? "|O_TRUNC" : "");
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
}
