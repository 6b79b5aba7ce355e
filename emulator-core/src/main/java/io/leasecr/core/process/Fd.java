package io.leasecr.core.process;

import io.leasecr.core.locks.AccessMode;

/**
 * One fd table entry: which open file description it refers to, and what it was opened as. {@code regular}:
 * the file is a regular file (ftruncate(2) says EINVAL for a fifo or a character device). {@code cloexec}:
 * FD_CLOEXEC, a flag of this fd (not of the description): execve(2) closes it, dup(2) does not copy it.
 */
public record Fd(long ino, long fileId, String path, AccessMode mode, boolean nonblock, boolean regular,
    boolean cloexec) {

  /** An entry of a regular file without FD_CLOEXEC. */
  public Fd(long ino, long fileId, String path, AccessMode mode, boolean nonblock) {
    this(ino, fileId, path, mode, nonblock, true, false);
  }

  public Fd(long ino, long fileId, String path, AccessMode mode, boolean nonblock, boolean regular) {
    this(ino, fileId, path, mode, nonblock, regular, false);
  }

  public Fd withCloexec(boolean on) {
    return on == cloexec ? this : new Fd(ino, fileId, path, mode, nonblock, regular, on);
  }
}
