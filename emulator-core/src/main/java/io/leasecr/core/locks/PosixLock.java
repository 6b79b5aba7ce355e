package io.leasecr.core.locks;

/**
 * A POSIX record lock ({@code struct file_lock} with FL_POSIX) over the byte range [start, end], end
 * inclusive, {@link #EOF} for "to the end of the file, however long it grows". A classic lock (F_SETLK,
 * {@code ofd} 0) is owned by a process (its files_struct, so fork does not share it); an open file
 * description lock (F_OFD_SETLK, FL_OFDLCK) is owned by the description {@code ofd} (dup and fork share
 * it, a second open() does not), {@code pid} being only who took it. Both kinds live in one list and
 * conflict with each other.
 */
public record PosixLock(int pid, LeaseType type, long start, long end, long ofd) {

  /** OFFSET_MAX: the lock runs to the end of the file. */
  public static final long EOF = Long.MAX_VALUE;

  /** A classic, process-owned lock. */
  public PosixLock(int pid, LeaseType type, long start, long end) {
    this(pid, type, start, end, 0);
  }

  /** FL_OFDLCK: owned by an open file description. */
  public boolean isOfd() {
    return ofd != 0;
  }

  /** posix_same_owner(): fl_owner is the files_struct for classic locks, the struct file for OFD locks. */
  public boolean sameOwner(PosixLock other) {
    return isOfd() ? ofd == other.ofd : !other.isOfd() && pid == other.pid;
  }

  /**
   * locks_translate_pid(): the l_pid F_GETLK reports and /proc/locks shows; -1 for an OFD lock, which no
   * process owns.
   */
  public int procPid() {
    return isOfd() ? -1 : pid;
  }

  /** posix_locks_conflict(): another owner, overlapping ranges, and a write on either side. */
  public boolean conflicts(PosixLock other) {
    return !sameOwner(other) && overlaps(other) && (type == LeaseType.WRLCK || other.type == LeaseType.WRLCK);
  }

  public boolean overlaps(PosixLock other) {
    return start <= other.end && other.start <= end;
  }

  /** flock64 to a range: l_len 0 is "to EOF"; a negative length reaches backwards (SEEK_SET only here). */
  public static PosixLock of(int pid, LeaseType type, long start, long len) {
    return of(pid, type, start, len, 0);
  }

  /** The same for an owner that may be an open file description ({@code ofd} 0: the process). */
  public static PosixLock of(int pid, LeaseType type, long start, long len, long ofd) {
    if (len > 0) {
      return new PosixLock(pid, type, start, start + len - 1, ofd);
    }
    if (len == 0) {
      return new PosixLock(pid, type, start, EOF, ofd);
    }
    return new PosixLock(pid, type, start + len, start - 1, ofd);
  }

  /** The same range and owner with another type (the part of a lock left after a split, a merge). */
  PosixLock with(LeaseType t, long s, long e) {
    return new PosixLock(pid, t, s, e, ofd);
  }

  public long length() {
    return end == EOF ? 0 : end - start + 1;
  }
}
