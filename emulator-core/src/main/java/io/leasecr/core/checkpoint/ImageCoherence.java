package io.leasecr.core.checkpoint;

import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.FlockLock;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.LeaseType;
import io.leasecr.proto.image.OfdLock;
import io.leasecr.proto.image.OpenFile;
import io.leasecr.proto.image.PosixLock;
import io.leasecr.proto.wire.AccessMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether an image's leases and locks could exist together on Linux: the states fs/locks.c never builds,
 * so that an image which claims one is refused by name instead of restored into a table the kernel could
 * not have. Run after {@link ImageCheck}'s field checks (every file a lease or lock names is in the image).
 * Only what the kernel's own rules exclude whatever happened before and the emulator's restores never build; a
 * state reachable by some order of calls (a downgrade-pending lease that a writer also marks unlock-pending, a
 * READ lease the holder set during an unlock-pending break) is left alone, and so is a WRITE lease beside
 * another lease: the kernel never holds one, but a restore builds it (CRIU's F_WRLCK guess for every breaking
 * lease, restored as if its F_SETLEASE had succeeded; a seed restore's previous type beside a reader's new
 * lease), and its image must restart again.
 */
final class ImageCoherence {

  private ImageCoherence() {}

  /** A lock held by an owner (a pid for POSIX locks, an open file description for OFD locks and flock). */
  private record Held(String at, String owner, boolean write, long start, long end) {
    boolean overlaps(Held o) {
      return (end == -1 || o.start <= end) && (o.end == -1 || start <= o.end);
    }
  }

  static String problem(CheckpointImage image, Map<Long, OpenFile> files) {
    String p = leases(image, files);
    if (p == null) {
      p = ranges(image, files);
    }
    return p != null ? p : flocks(image, files);
  }

  private static String leases(CheckpointImage image, Map<Long, OpenFile> files) {
    Map<Long, Integer> byFile = new HashMap<>();
    for (int i = 0; i < image.getLeasesCount(); i++) {
      Lease l = image.getLeases(i);
      OpenFile f = files.get(l.getFileId());
      String at = "lease " + (i + 1) + " (leases[" + i + "], holder pid " + l.getPid() + ")";
      if (l.getType() == LeaseType.F_UNLCK) {
        // lease_modify(F_UNLCK) deletes the lease: the table never holds one of that type
        return at + ": type F_UNLCK is no lease (F_SETLEASE F_UNLCK removes it); a breaking lease keeps the type"
            + " it had and sets unlock_pending";
      }
      if (l.getDowngradePending() && l.getType() == LeaseType.F_RDLCK) {
        // only a write lease is downgraded; F_SETLEASE F_RDLCK clears FL_DOWNGRADE_PENDING (lease_clear_pending)
        return at + ": downgrade_pending on an F_RDLCK lease (only an F_WRLCK lease is downgraded)";
      }
      if (f.getMode() == AccessMode.O_PATH) {
        return at + ": it is on open file #" + f.getId() + ", an O_PATH description (F_SETLEASE on one is EBADF)";
      }
      if (f.getNotRegular()) {
        return at + ": it is on open file #" + f.getId() + " (" + f.getPath() + "), which is not a regular file"
            + " (F_SETLEASE is EINVAL there)";
      }
      Integer before = byFile.put(l.getFileId(), i);
      if (before != null) {
        // generic_add_lease() finds the description's own lease and modifies it: one per description
        return at + ": open file #" + l.getFileId() + " already has lease " + (before + 1)
            + " (a description holds one lease; F_SETLEASE again modifies it)";
      }
    }
    return null;
  }

  /** POSIX and OFD locks: owners differ and ranges overlap, one of them a write lock: F_SETLK refuses it. */
  private static String ranges(CheckpointImage image, Map<Long, OpenFile> files) {
    Map<Long, List<Held>> byIno = new HashMap<>();
    for (int i = 0; i < image.getPosixLocksCount(); i++) {
      PosixLock l = image.getPosixLocks(i);
      String at = "posix_locks[" + i + "] (pid " + l.getPid() + ")";
      if (l.getType() == LeaseType.F_UNLCK) {
        return at + ": type F_UNLCK is no lock (F_SETLK F_UNLCK removes the range)";
      }
      String p = add(byIno, l.getIno(), new Held(at, "pid " + l.getPid(), l.getType() == LeaseType.F_WRLCK,
          l.getStart(), l.getEnd()));
      if (p != null) {
        return p;
      }
    }
    for (int i = 0; i < image.getOfdLocksCount(); i++) {
      OfdLock l = image.getOfdLocks(i);
      String at = "ofd_locks[" + i + "] (pid " + l.getPid() + ")";
      if (l.getType() == LeaseType.F_UNLCK) {
        return at + ": type F_UNLCK is no lock (F_OFD_SETLK F_UNLCK removes the range)";
      }
      if (l.getIno() != files.get(l.getFileId()).getIno()) {
        // the lock is on its description's inode: an image that says otherwise names two files
        return at + ": ino " + l.getIno() + " is not the ino of its open file #" + l.getFileId() + " ("
            + files.get(l.getFileId()).getIno() + ")";
      }
      String p = add(byIno, l.getIno(), new Held(at, "open file #" + l.getFileId(), l.getType() == LeaseType.F_WRLCK, l.getStart(), l.getEnd()));
      if (p != null) {
        return p;
      }
    }
    return null;
  }

  private static String add(Map<Long, List<Held>> byIno, long ino, Held h) {
    List<Held> held = byIno.computeIfAbsent(ino, k -> new ArrayList<>());
    for (Held o : held) {
      if (!o.owner().equals(h.owner()) && (o.write() || h.write()) && o.overlaps(h)) {
        return h.at() + ": it conflicts with " + o.at() + " on ino " + ino + " (" + range(h) + " and " + range(o)
            + ", held by " + h.owner() + " and " + o.owner() + ", one of them a write lock)";
      }
    }
    held.add(h);
    return null;
  }

  private static String range(Held h) {
    return h.start() + "-" + (h.end() == -1 ? "EOF" : String.valueOf(h.end()));
  }

  /** flock: one lock per description; an exclusive one alone on its file; never on an O_PATH description. */
  private static String flocks(CheckpointImage image, Map<Long, OpenFile> files) {
    Map<Long, Integer> byFile = new HashMap<>();
    Map<Long, Integer> byIno = new HashMap<>();
    for (int i = 0; i < image.getFlockLocksCount(); i++) {
      FlockLock l = image.getFlockLocks(i);
      OpenFile f = files.get(l.getFileId());
      String at = "flock_locks[" + i + "] (pid " + l.getPid() + ")";
      if (l.getType() == LeaseType.F_UNLCK) {
        return at + ": type F_UNLCK is no lock (flock LOCK_UN removes it)";
      }
      if (l.getIno() != f.getIno()) {
        return at + ": ino " + l.getIno() + " is not the ino of its open file #" + f.getId() + " (" + f.getIno() + ")";
      }
      if (f.getMode() == AccessMode.O_PATH) {
        return at + ": it is on open file #" + f.getId() + ", an O_PATH description (flock on one is EBADF)";
      }
      Integer before = byFile.put(l.getFileId(), i);
      if (before != null) {
        return at + ": open file #" + l.getFileId() + " already has flock_locks[" + before + "] (flock again"
            + " converts the description's lock)";
      }
      Integer other = byIno.putIfAbsent(f.getIno(), i);
      if (other != null && (l.getType() == LeaseType.F_WRLCK
          || image.getFlockLocks(other).getType() == LeaseType.F_WRLCK)) {
        return at + ": it conflicts with flock_locks[" + other + "] on " + f.getPath()
            + " (LOCK_EX is alone on its file)";
      }
    }
    return null;
  }
}
