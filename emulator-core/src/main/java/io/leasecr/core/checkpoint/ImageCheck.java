package io.leasecr.core.checkpoint;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.leasecr.core.input.Durations;
import io.leasecr.core.input.Names;
import io.leasecr.core.input.Texts;
import io.leasecr.core.locks.Signals;
import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.OpenFile;
import io.leasecr.proto.image.PendingCall;
import io.leasecr.proto.image.PendingReaction;
import io.leasecr.proto.image.PosixLock;
import io.leasecr.proto.image.Process;
import io.leasecr.proto.wire.Reaction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The checks a decoded image passes before anything shows, imports or restores it, each naming the field:
 * every enum value known (no UNRECOGNIZED), fd and file references resolve, pids unique and in range, times
 * within [0, {@link Durations#MAX_MS}] (a lease's remaining times may also be -1: no deadline; its downgrade's only
 * when both an unlock and a downgrade are pending), files a
 * lease or lock refers to present in the image, signals that exist, process names
 * unique; then that its leases and locks could exist together on Linux ({@link ImageCoherence}). A lease's
 * holder pid need not be a process of the image (the lease belongs to the open file, which a forked child may
 * hold after the setter exited).
 */
public final class ImageCheck {

  /** The highest pid Linux hands out (PID_MAX_LIMIT). */
  static final int PID_MAX = 4_194_304;

  private ImageCheck() {}

  /** What is wrong with the image, naming the field, or null. */
  public static String problem(CheckpointImage image) {
    String enums = unknownEnum("", image);
    if (enums != null) {
      return enums;
    }
    String p = Names.problem(image.getId());
    if (p != null) {
      return "id " + p;
    }
    if (!inTime(image.getTakenAtMs())) {
      return "taken_at_ms " + image.getTakenAtMs() + " is out of range (0 to " + Durations.MAX_MS + ")";
    }
    if (image.getLeaseBreakTime() < Integer.MIN_VALUE || image.getLeaseBreakTime() > Integer.MAX_VALUE) {
      return "lease_break_time " + image.getLeaseBreakTime() + " s is out of range (an int, as the sysctl)";
    }
    Map<Long, OpenFile> files = new HashMap<>();
    Set<Long> inodes = new HashSet<>();
    for (int i = 0; i < image.getFilesCount(); i++) {
      OpenFile f = image.getFiles(i);
      if (files.put(f.getId(), f) != null) {
        return "files[" + i + "].id " + f.getId() + " is used twice";
      }
      if (!f.getPath().startsWith("/")) {
        return "files[" + i + "].path " + Texts.quote(f.getPath()) + " is not an absolute path";
      }
      if (f.getSignum() < 0 || f.getSignum() > Signals.SIGRTMAX) {
        return "files[" + i + "].signum " + f.getSignum() + " is no F_SETSIG signal (0 for SIGIO, or 1 to "
            + Signals.SIGRTMAX + ")";
      }
      if (f.getIno() < 1) {
        return "files[" + i + "].ino " + f.getIno() + " is no inode number (1 or more)";
      }
      inodes.add(f.getIno());
    }
    Set<Integer> pids = new HashSet<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < image.getProcessesCount(); i++) {
      Process proc = image.getProcesses(i);
      String at = "processes[" + i + "]";
      int pid = proc.getSpec().getPid();
      if (pid < 1 || pid > PID_MAX) {
        return at + ".spec.pid " + pid + " is out of range (1 to " + PID_MAX + ")";
      }
      if (!pids.add(pid)) {
        return at + ".spec.pid " + pid + " is used by two processes";
      }
      at += " (pid " + pid + ")";
      String name = Names.problem(proc.getSpec().getName());
      if (name != null) {
        return at + ".spec.name " + name;
      }
      if (!names.add(proc.getSpec().getName())) {
        // restarts and subsets name processes: two of one name would make "restart P1" mean either
        return at + ".spec.name " + Texts.quote(proc.getSpec().getName()) + " is used by two processes";
      }
      String sig = signals(at, proc);
      if (sig != null) {
        return sig;
      }
      for (int q = 0; q < proc.getPendingSignalsCount(); q++) {
        int signo = proc.getPendingSignals(q).getSigno();
        if (signo < 1 || signo > Signals.SIGRTMAX) {
          return at + ".pending_signals[" + q + "].signo " + signo + " is no signal (1 to " + Signals.SIGRTMAX + ")";
        }
      }
      for (Map.Entry<Integer, Long> fd : proc.getFdsMap().entrySet()) {
        if (fd.getKey() < 0) {
          return at + ".fds: fd " + fd.getKey() + " is negative";
        }
        if (!files.containsKey(fd.getValue())) {
          return at + ".fds[" + fd.getKey() + "] names open file #" + fd.getValue() + ", which the image does not have";
        }
      }
      for (int fd : proc.getLeaseFdsList()) {
        if (!proc.containsFds(fd)) {
          return at + ".lease_fds: fd " + fd + " is not in the process's fd table";
        }
      }
      String r = reactions(at + ".spec.reactions", proc.getSpec().getReactionsList());
      if (r != null) {
        return r;
      }
      if (proc.hasPending()) {
        r = call(at + ".pending", proc.getPending());
        if (r != null) {
          return r;
        }
      }
      for (int q = 0; q < proc.getQueuedCount(); q++) {
        r = call(at + ".queued[" + q + "]", proc.getQueued(q));
        if (r != null) {
          return r;
        }
      }
      for (int q = 0; q < proc.getReactionsCount(); q++) {
        PendingReaction pr = proc.getReactions(q);
        if (!inTime(pr.getRemainingMs())) {
          return at + ".reactions[" + q + "].remaining_ms " + pr.getRemainingMs() + " is out of range (0 to "
              + Durations.MAX_MS + ")";
        }
      }
    }
    for (int i = 0; i < image.getLeasesCount(); i++) {
      Lease l = image.getLeases(i);
      String at = "lease " + (i + 1) + " (leases[" + i + "], holder pid " + l.getPid() + ")";
      if (!files.containsKey(l.getFileId())) {
        return at + ": file_id #" + l.getFileId() + " is no open file of the image";
      }
      if (l.getRemainingMs() < -1 || l.getRemainingMs() > Durations.MAX_MS) {
        return at + ": remaining_ms " + l.getRemainingMs() + " is invalid (-1 for no deadline, else 0 to "
            + Durations.MAX_MS + ")";
      }
      if (l.hasDowngradeRemainingMs()) {
        if (l.getDowngradeRemainingMs() < -1 || l.getDowngradeRemainingMs() > Durations.MAX_MS) {
          return at + ": downgrade_remaining_ms " + l.getDowngradeRemainingMs() + " is invalid (-1 for no deadline,"
              + " else 0 to " + Durations.MAX_MS + ")";
        }
        if (!l.getUnlockPending() || !l.getDowngradePending()) {
          // remaining_ms is the only deadline of a lease with one break pending: a second one would be ambiguous
          return at + ": downgrade_remaining_ms is set, but the lease is not both unlock_pending and"
              + " downgrade_pending (only then is remaining_ms the unlock's and this the downgrade's)";
        }
      }
      if (l.getPid() < 1 || l.getPid() > PID_MAX) {
        return at + ": pid " + l.getPid() + " is out of range (1 to " + PID_MAX + ")";
      }
    }
    for (int i = 0; i < image.getPosixLocksCount(); i++) {
      PosixLock l = image.getPosixLocks(i);
      String at = "posix_locks[" + i + "] (pid " + l.getPid() + ")";
      if (!inodes.contains(l.getIno())) {
        return at + ": ino " + l.getIno() + " is no file of the image";
      }
      if (!image.getProcessesList().isEmpty() && !pids.contains(l.getPid())) {
        return at + ": pid " + l.getPid() + " is no process of the image";
      }
      if (l.getStart() < 0 || (l.getEnd() != -1 && l.getEnd() < l.getStart())) {
        return at + ": range " + l.getStart() + " to " + l.getEnd() + " is invalid (start >= 0, end >= start or -1 for EOF)";
      }
    }
    for (int i = 0; i < image.getFlockLocksCount(); i++) {
      var l = image.getFlockLocks(i);
      if (!files.containsKey(l.getFileId())) {
        return "flock_locks[" + i + "] (pid " + l.getPid() + "): file_id #" + l.getFileId() + " is no open file of the image";
      }
    }
    for (int i = 0; i < image.getOfdLocksCount(); i++) {
      var l = image.getOfdLocks(i);
      String at = "ofd_locks[" + i + "] (pid " + l.getPid() + ")";
      if (!files.containsKey(l.getFileId())) {
        return at + ": file_id #" + l.getFileId() + " is no open file of the image";
      }
      if (l.getStart() < 0 || (l.getEnd() != -1 && l.getEnd() < l.getStart())) {
        return at + ": range " + l.getStart() + " to " + l.getEnd() + " is invalid (start >= 0, end >= start or -1 for EOF)";
      }
    }
    return ImageCoherence.problem(image, files);
  }

  /**
   * Dispositions name signals that exist and can be caught (sigaction on SIGKILL or SIGSTOP is EINVAL), and
   * reactions signals that exist; the mask never holds SIGKILL or SIGSTOP (sigprocmask drops them from the set).
   */
  private static String signals(String at, Process proc) {
    for (int signo : new java.util.TreeSet<>(proc.getSpec().getDispositionsMap().keySet())) {
      if (signo < 1 || signo > Signals.SIGRTMAX) {
        return at + ".spec.dispositions: " + signo + " is no signal (1 to " + Signals.SIGRTMAX + ")";
      }
      if (!Signals.catchable(signo)) {
        return at + ".spec.dispositions: " + Signals.name(signo) + " cannot be caught or ignored (sigaction is EINVAL)";
      }
    }
    List<Reaction> reactions = proc.getSpec().getReactionsList();
    for (int i = 0; i < reactions.size(); i++) {
      int signo = reactions.get(i).getSigno();
      if (signo < 1 || signo > Signals.SIGRTMAX) {
        return at + ".spec.reactions[" + i + "].signo " + signo + " is no signal (1 to " + Signals.SIGRTMAX + ")";
      }
    }
    long unblockable = (1L << (Signals.SIGKILL - 1)) | (1L << (Signals.SIGSTOP - 1));
    if ((proc.getBlockedSignals() & unblockable) != 0) {
      return at + ".blocked_signals blocks " + ((proc.getBlockedSignals() & (1L << (Signals.SIGKILL - 1))) != 0
          ? "SIGKILL" : "SIGSTOP") + ", which cannot be blocked (sigprocmask drops it from the set)";
    }
    return null;
  }

  private static String reactions(String at, List<Reaction> reactions) {
    for (int i = 0; i < reactions.size(); i++) {
      Reaction r = reactions.get(i);
      if (!inTime(r.getDelayMs()) || !inTime(r.getJitterMs())) {
        return at + "[" + i + "]: delay_ms " + r.getDelayMs() + " / jitter_ms " + r.getJitterMs()
            + " out of range (0 to " + Durations.MAX_MS + ")";
      }
    }
    return null;
  }

  private static String call(String at, PendingCall c) {
    if (!inTime(c.getStartedAtMs())) {
      return at + ".started_at_ms " + c.getStartedAtMs() + " is out of range (0 to " + Durations.MAX_MS + ")";
    }
    if (c.getStep() < 0) {
      return at + ".step " + c.getStep() + " is negative";
    }
    return null;
  }

  private static boolean inTime(long ms) {
    return ms >= 0 && ms <= Durations.MAX_MS;
  }

  // ---------------------------------------------------------------- enum values, by descriptor

  /** Per message type, its fields that are enums or hold enums somewhere below (the rest is not walked). */
  private static final Map<Descriptor, List<FieldDescriptor>> ENUM_PATHS = new ConcurrentHashMap<>();

  private static List<FieldDescriptor> enumPaths(Descriptor d) {
    return ENUM_PATHS.computeIfAbsent(d, ImageCheck::enumFields);
  }

  /** The fields of {@code d} that are enums or hold enums somewhere below (not cached: see enumPaths). */
  static List<FieldDescriptor> enumFields(Descriptor d) {
    List<FieldDescriptor> out = new ArrayList<>();
    for (FieldDescriptor f : d.getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.ENUM
          || (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && holdsEnum(f.getMessageType(), new HashSet<>()))) {
        out.add(f);
      }
    }
    return out;
  }

  private static boolean holdsEnum(Descriptor d, Set<Descriptor> seen) {
    if (!seen.add(d)) {
      return false;
    }
    for (FieldDescriptor f : d.getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.ENUM
          || (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && holdsEnum(f.getMessageType(), seen))) {
        return true;
      }
    }
    return false;
  }

  /** The first enum field below {@code m} whose value the schema does not know, as path = value. */
  private static String unknownEnum(String at, Message m) {
    for (FieldDescriptor f : enumPaths(m.getDescriptorForType())) {
      String name = at.isEmpty() ? f.getName() : at + "." + f.getName();
      if (f.isRepeated()) {
        int n = m.getRepeatedFieldCount(f);
        for (int i = 0; i < n; i++) {
          String p = value(name + "[" + i + "]", f, m.getRepeatedField(f, i));
          if (p != null) {
            return p;
          }
        }
      } else if (m.hasField(f)) { // an enum at its default (0) is known; an unset message holds only defaults
        String p = value(name, f, m.getField(f));
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }

  private static String value(String at, FieldDescriptor f, Object v) {
    if (f.getJavaType() == FieldDescriptor.JavaType.ENUM) {
      EnumValueDescriptor e = (EnumValueDescriptor) v;
      if (e.getType().findValueByNumber(e.getNumber()) == null) {
        return at + " = " + e.getNumber() + ": not a known " + e.getType().getName() + " value (known: "
            + e.getType().getValues().stream().map(EnumValueDescriptor::getName).toList() + ")";
      }
      return null;
    }
    return unknownEnum(at, (Message) v);
  }
}
