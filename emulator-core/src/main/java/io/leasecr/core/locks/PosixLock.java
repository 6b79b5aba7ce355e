package io.leasecr.core.locks;

/**
 * A POSIX record lock ({@code struct file_lock} with FL_POSIX): owned by a process (its files_struct,
 * so fork does not share it), over the byte range [start, end], end inclusive, {@link #EOF} for "to the
 * end of the file, however long it grows".
 */
public record PosixLock(int pid, LeaseType type, long start, long end) {

  /** OFFSET_MAX: the lock runs to the end of the file. */
  public static final long EOF = Long.MAX_VALUE;

  /** posix_locks_conflict(): another owner, overlapping ranges, and a write on either side. */
  public boolean conflicts(PosixLock other) {
    return pid != other.pid && overlaps(other) && (type == LeaseType.WRLCK || other.type == LeaseType.WRLCK);
  }

  public boolean overlaps(PosixLock other) {
    return start <= other.end && other.start <= end;
  }

  /** flock64 to a range: l_len 0 is "to EOF"; a negative length reaches backwards (SEEK_SET only here). */
  public static PosixLock of(int pid, LeaseType type, long start, long len) {
    if (len > 0) {
      return new PosixLock(pid, type, start, start + len - 1);
    }
    if (len == 0) {
      return new PosixLock(pid, type, start, EOF);
    }
    return new PosixLock(pid, type, start + len, start - 1);
  }

  public long length() {
    return end == EOF ? 0 : end - start + 1;
  }
}
