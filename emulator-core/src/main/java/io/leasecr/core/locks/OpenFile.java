package io.leasecr.core.locks;

/**
 * An open file description ({@code struct file}): what open(2) creates and dup/fork share. Leases
 * belong to it, not to a process or an fd. Owned and mutated only by its inode's {@link FileLockContext}.
 */
public final class OpenFile {
  final long id;
  final Inode inode;
  final AccessMode mode;
  final boolean nonblock;
  /** Number of fds, in all processes, that refer to this description. */
  int refs = 1;
  /** f_owner: the pid that gets SIGIO (set by the first F_SETLEASE, cleared when the lease goes); 0 = none. */
  int ownerPid;
  /** f_owner.signum from F_SETSIG; 0 means plain SIGIO with SI_KERNEL. */
  int signum;
  /** fa_fd of the lease's fasync entry: the fd used in F_SETLEASE, reported as si_fd. */
  int fasyncFd = -1;

  OpenFile(long id, Inode inode, AccessMode mode, boolean nonblock) {
    this.id = id;
    this.inode = inode;
    this.mode = mode;
    this.nonblock = nonblock;
  }

  public long id() {
    return id;
  }

  public Inode inode() {
    return inode;
  }

  public AccessMode mode() {
    return mode;
  }

  public boolean nonblock() {
    return nonblock;
  }

  public int refs() {
    return refs;
  }

  public int ownerPid() {
    return ownerPid;
  }

  public int signum() {
    return signum;
  }
}
