package io.leasecr.core.locks;

/**
 * A file as the lease code sees it. {@code leaseSupport} is false for filesystems whose
 * {@code f_op->setlease} refuses leases (NFS, FUSE, 9p, CIFS).
 */
public record Inode(long ino, String dev, String path, int uid, Kind kind, boolean leaseSupport) {

  public enum Kind {
    REGULAR,
    DIRECTORY,
    FIFO,
    /** A character device node (mknod c): opens and locks like a file, no length, no leases. */
    CHARDEV
  }

  public boolean isRegular() {
    return kind == Kind.REGULAR;
  }
}
