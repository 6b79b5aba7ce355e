package io.leasecr.core.process;

import io.leasecr.core.locks.AccessMode;

/**
 * One fd table entry: which open file description it refers to, and what it was opened as. {@code regular}:
 * the file is a regular file (ftruncate(2) says EINVAL for a fifo or a character device).
 */
public record Fd(long ino, long fileId, String path, AccessMode mode, boolean nonblock, boolean regular) {

  /** An entry of a regular file: what images and wire messages hold (they carry no file type). */
  public Fd(long ino, long fileId, String path, AccessMode mode, boolean nonblock) {
    this(ino, fileId, path, mode, nonblock, true);
  }
}
