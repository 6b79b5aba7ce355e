package io.leasecr.core.checkpoint;

import io.leasecr.core.locks.Vfs;
import io.leasecr.core.locks.FlockLock;
import io.leasecr.core.locks.Inode;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.locks.PosixLock;
import io.leasecr.core.locks.SavedLocks;
import io.leasecr.core.process.WireTypes;
import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.OpenFile;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The lease table's part of a checkpoint image, both ways. */
public final class ImageCodec {

  public static final String MAGIC = "LCRIMG1";

  private ImageCodec() {}

  public static CheckpointImage.Builder locks(SavedLocks saved) {
    CheckpointImage.Builder b = CheckpointImage.newBuilder()
        .setLeaseBreakTime(saved.leaseBreakTime()).setLeasesEnable(saved.leasesEnable());
    for (SavedLocks.File f : saved.files()) {
      b.addFiles(OpenFile.newBuilder().setId(f.id()).setIno(f.inode().ino()).setPath(f.inode().path())
          .setMode(WireTypes.mode(f.mode())).setNonblock(f.nonblock()).setOwnerPid(f.ownerPid())
          .setSignum(f.signum()).setFasyncFd(f.fasyncFd()).setNotRegular(!f.inode().isRegular()));
    }
    for (SavedLocks.Saved l : saved.leases()) {
      Lease.Builder lb = Lease.newBuilder().setFileId(l.fileId()).setPid(l.pid()).setType(type(l.type()))
          .setUnlockPending(l.unlockPending()).setDowngradePending(l.downgradePending())
          .setBreakNotified(l.breakNotified()).setRemainingMs(l.remainingMs());
      if (l.typePrev() != null) {
        lb.setHasTypePrev(true).setTypePrev(type(l.typePrev()));
      }
      if (l.hasDowngradeTime()) {
        lb.setDowngradeRemainingMs(l.downgradeRemainingMs());
      }
      b.addLeases(lb);
    }
    for (SavedLocks.Posix p : saved.posix()) {
      PosixLock l = p.lock();
      if (l.isOfd()) {
        b.addOfdLocks(io.leasecr.proto.image.OfdLock.newBuilder().setIno(p.ino()).setFileId(l.ofd()).setPid(l.pid())
            .setType(type(l.type())).setStart(l.start()).setEnd(l.end() == PosixLock.EOF ? -1 : l.end()));
        continue;
      }
      b.addPosixLocks(io.leasecr.proto.image.PosixLock.newBuilder().setIno(p.ino()).setPid(l.pid()).setType(type(l.type()))
          .setStart(l.start()).setEnd(l.end() == PosixLock.EOF ? -1 : l.end()));
    }
    for (SavedLocks.Flock f : saved.flocks()) {
      b.addFlockLocks(io.leasecr.proto.image.FlockLock.newBuilder().setIno(f.ino()).setFileId(f.lock().file())
          .setPid(f.lock().pid()).setType(type(f.lock().type())));
    }
    return b;
  }

  /** The lease table of an image; every path must be a file of this run's namespace. */
  public static SavedLocks savedLocks(CheckpointImage image, Vfs vfs) throws NotSerializableException {
    List<SavedLocks.File> files = new ArrayList<>();
    for (OpenFile f : image.getFilesList()) {
      Inode inode = vfs.lookup(f.getPath());
      if (inode == null) {
        throw new NotSerializableException("the image refers to " + f.getPath() + ", which this scenario does not have");
      }
      files.add(new SavedLocks.File(f.getId(), inode, WireTypes.mode(f.getMode()), f.getNonblock(), f.getOwnerPid(),
          f.getSignum(), f.getFasyncFd()));
    }
    List<SavedLocks.Saved> leases = new ArrayList<>();
    for (Lease l : image.getLeasesList()) {
      leases.add(new SavedLocks.Saved(l.getFileId(), l.getPid(), type(l.getType()), l.getUnlockPending(),
          l.getDowngradePending(), l.getHasTypePrev() ? type(l.getTypePrev()) : null, l.getBreakNotified(),
          l.getRemainingMs(), l.hasDowngradeRemainingMs() ? l.getDowngradeRemainingMs()
          : SavedLocks.Saved.NO_DOWNGRADE_TIME));
    }
    List<SavedLocks.Posix> posix = new ArrayList<>();
    for (io.leasecr.proto.image.PosixLock p : image.getPosixLocksList()) {
      posix.add(new SavedLocks.Posix(p.getIno(), new PosixLock(p.getPid(), type(p.getType()), p.getStart(),
          p.getEnd() < 0 ? PosixLock.EOF : p.getEnd())));
    }
    for (io.leasecr.proto.image.OfdLock o : image.getOfdLocksList()) {
      posix.add(new SavedLocks.Posix(o.getIno(), new PosixLock(o.getPid(), type(o.getType()), o.getStart(),
          o.getEnd() < 0 ? PosixLock.EOF : o.getEnd(), o.getFileId())));
    }
    List<SavedLocks.Flock> flocks = new ArrayList<>();
    for (io.leasecr.proto.image.FlockLock f : image.getFlockLocksList()) {
      flocks.add(new SavedLocks.Flock(f.getIno(), new FlockLock(f.getFileId(), f.getPid(), type(f.getType()))));
    }
    return new SavedLocks(image.getLeaseBreakTime(), image.getLeasesEnable(), files, leases, posix, flocks);
  }

  /**
   * Why an image does not fit a run (a file the run does not have, an fd that names no open file, a
   * negative time), or null: checked before any actor is told to restore it.
   */
  public static String mismatch(CheckpointImage image, Vfs vfs) {
    for (OpenFile f : image.getFilesList()) {
      if (vfs.lookup(f.getPath()) == null) {
        return "it has " + f.getPath() + ", which this scenario does not declare";
      }
    }
    return invalid(image);
  }

  /**
   * Why an image cannot be restored anywhere (its own parts disagree, or a value is out of range), or null.
   * {@code image show}, {@code image edit} and restart all call this, so they refuse the same images with
   * the same words, naming the lease (1-based, as {@code image show} numbers them) and the value.
   */
  public static String invalid(CheckpointImage image) {
    // a sorted array, not a set of boxed ids: a restart checks a million-process image
    long[] sorted = new long[image.getFilesCount()];
    for (int i = 0; i < sorted.length; i++) {
      sorted[i] = image.getFiles(i).getId();
    }
    java.util.Arrays.sort(sorted);
    java.util.function.LongPredicate ids = id -> java.util.Arrays.binarySearch(sorted, id) >= 0;
    for (io.leasecr.proto.image.Process p : image.getProcessesList()) {
      for (Map.Entry<Integer, Long> fd : p.getFdsMap().entrySet()) {
        if (!ids.test(fd.getValue())) {
          return p.getSpec().getName() + "'s fd " + fd.getKey() + " names no open file of the image";
        }
      }
      for (io.leasecr.proto.image.PendingReaction r : p.getReactionsList()) {
        if (r.getRemainingMs() < 0) {
          return p.getSpec().getName() + " has a reaction with a negative time left";
        }
      }
    }
    int n = 0;
    for (io.leasecr.proto.image.FlockLock f : image.getFlockLocksList()) {
      if (!ids.test(f.getFileId()) || f.getType() == io.leasecr.proto.image.LeaseType.F_UNLCK) {
        return "a flock lock of pid " + f.getPid() + " is on no open file of the image, or of type F_UNLCK";
      }
    }
    for (io.leasecr.proto.image.OfdLock o : image.getOfdLocksList()) {
      if (!ids.test(o.getFileId()) || o.getType() == io.leasecr.proto.image.LeaseType.F_UNLCK) {
        return "an OFD lock of pid " + o.getPid() + " is on no open file of the image, or of type F_UNLCK";
      }
    }
    for (Lease l : image.getLeasesList()) {
      n++;
      if (!ids.test(l.getFileId())) {
        return "a lease of pid " + l.getPid() + " is on no open file of the image";
      }
      if (l.getRemainingMs() < -1) {
        return "lease " + n + " (a lease of pid " + l.getPid() + ") has remaining time " + l.getRemainingMs()
            + " ms (-1 means no deadline; nothing else may be negative)";
      }
      if (l.hasDowngradeRemainingMs() && l.getDowngradeRemainingMs() < -1) {
        return "lease " + n + " (a lease of pid " + l.getPid() + ") has downgrade remaining time "
            + l.getDowngradeRemainingMs() + " ms (-1 means no deadline; nothing else may be negative)";
      }
      if (l.getTypeValue() < 0 || l.getTypeValue() > 2 || l.getHasTypePrev() && (l.getTypePrevValue() < 0
          || l.getTypePrevValue() > 1)) {
        return "lease " + n + " (a lease of pid " + l.getPid() + ") has lease type " + l.getTypeValue()
            + (l.getHasTypePrev() ? " and typePrev " + l.getTypePrevValue() : "")
            + " (F_RDLCK 0 or F_WRLCK 1; typePrev never F_UNLCK)";
      }
    }
    return null;
  }

  static io.leasecr.proto.image.LeaseType type(LeaseType t) {
    return io.leasecr.proto.image.LeaseType.forNumber(t.value);
  }

  static LeaseType type(io.leasecr.proto.image.LeaseType t) throws NotSerializableException {
    LeaseType type = t == io.leasecr.proto.image.LeaseType.UNRECOGNIZED ? null : LeaseType.ofValue(t.getNumber());
    if (type == null) {
      throw new NotSerializableException("unknown lease type in image");
    }
    return type;
  }
}
