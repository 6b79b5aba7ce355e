package io.leasecr.core.locks;

/** The access mode of an open file description (open(2) flags & O_ACCMODE, plus O_PATH). */
public enum AccessMode {
  O_RDONLY,
  O_WRONLY,
  O_RDWR,
  /** Opened with O_PATH: no I/O, no lease, does not count as an open for lease conflicts. */
  O_PATH;

  /** FMODE_WRITE: counts in i_writecount. */
  public boolean writes() {
    return this == O_WRONLY || this == O_RDWR;
  }

  /** Counts in i_readcount: read-only opens only. */
  public boolean readOnly() {
    return this == O_RDONLY;
  }
}
