package io.leasecr.core.locks;

/**
 * A flock(2) lock ({@code struct file_lock} with FL_FLOCK): owned by the open file description {@code file}
 * (dup and fork share it; a second open() of the same file, even by the same process, does not), always the
 * whole file. {@code pid} is the process that took it, which /proc/locks shows even after that process has
 * exited (flock_make_lock stores current->tgid; the init namespace prints the number as is).
 */
public record FlockLock(long file, int pid, LeaseType type) {

  /** flock_locks_conflict(): another description, and a write on either side. */
  public boolean conflicts(FlockLock other) {
    return file != other.file && (type == LeaseType.WRLCK || other.type == LeaseType.WRLCK);
  }
}
