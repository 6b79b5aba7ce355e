package io.leasecr.core.scenario;

import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.OpenFile;
import io.leasecr.proto.image.PendingReaction;
import io.leasecr.proto.image.Process;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint that lands between a break's start and the delivery of its signal ({@code before_signal: true}).
 * On emulated time the two are one instant (the kernel sends the signal from __break_lease itself), so the
 * image is the one taken just after, with the delivery taken back: each lease whose break began at this very
 * instant (its whole lease-break-time left) says the holder was not notified (the seed's fl_break_notified
 * is set after fl_break), and the handler that signal started in the file's owner is not running yet.
 */
public final class BeforeSignal {

  private BeforeSignal() {}

  public static CheckpointImage apply(CheckpointImage image) {
    long whole = image.getLeaseBreakTime() * 1000;
    Map<Long, OpenFile> files = new HashMap<>();
    image.getFilesList().forEach(f -> files.put(f.getId(), f));
    CheckpointImage.Builder b = image.toBuilder();
    Set<Integer> owners = new HashSet<>();
    Set<Integer> signals = new HashSet<>();
    for (int i = 0; i < b.getLeasesCount(); i++) {
      Lease l = b.getLeases(i);
      boolean breaking = l.getUnlockPending() || l.getDowngradePending();
      if (breaking && l.getBreakNotified() && whole > 0 && l.getRemainingMs() == whole) {
        b.setLeases(i, l.toBuilder().setBreakNotified(false));
        OpenFile f = files.get(l.getFileId());
        if (f != null && f.getOwnerPid() != 0) {
          owners.add(f.getOwnerPid());
          signals.add(f.getSignum() == 0 ? io.leasecr.core.locks.Signals.SIGIO : f.getSignum());
        }
      }
    }
    for (int i = 0; i < b.getProcessesCount(); i++) {
      Process p = b.getProcesses(i);
      if (!owners.contains(p.getSpec().getPid())) {
        continue;
      }
      Process.Builder pb = p.toBuilder().clearReactions();
      for (PendingReaction r : p.getReactionsList()) {
        // started by this instant's signal: it has its whole delay (and jitter) still to run
        boolean justStarted = signals.contains(r.getReaction().getSigno())
            && r.getRemainingMs() >= r.getReaction().getDelayMs();
        if (!justStarted) {
          pb.addReactions(r);
        }
      }
      b.setProcesses(i, pb);
    }
    return b.build();
  }
}
