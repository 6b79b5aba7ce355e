package io.leasecr.core.locks;

/** The errno values the emulated syscalls return, with their Linux numbers. */
public enum Errno {
  ENOENT(2),
  ESRCH(3),
  /** A non-blocking open of a fifo for writing that has no reader. */
  ENXIO(6),
  EINTR(4),
  EBADF(9),
  EAGAIN(11),
  /** Same number as EAGAIN; the kernel returns it under this name from a non-blocking open. */
  EWOULDBLOCK(11),
  EACCES(13),
  EISDIR(21),
  EINVAL(22),
  /** No free fd below RLIMIT_NOFILE. */
  EMFILE(24),
  EDEADLK(35),
  /** A lock range whose end lies beyond the largest file offset (flock64_to_posix). */
  EOVERFLOW(75),
  /** Kernel-internal: the syscall is to be restarted (or fail with EINTR if the handler says so). */
  ERESTARTSYS(512);

  public final int number;

  Errno(int number) {
    this.number = number;
  }

  /** EAGAIN and EWOULDBLOCK are one errno to userspace. */
  public boolean sameAs(Errno other) {
    return other != null && number == other.number;
  }

  public static Errno parse(String name) {
    return valueOf(name.trim());
  }
}
