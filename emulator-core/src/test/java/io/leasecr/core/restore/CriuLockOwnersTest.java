package io.leasecr.core.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.locks.FlockLock;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.locks.SavedLocks;
import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.wire.ProcessSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** CRIU 4.2's re-taker of a lease or flock lock: the taker if it still has an fd, else the first holder. */
class CriuLockOwnersTest {

  private static final long FILE = 0x1001_000001L;

  private static io.leasecr.proto.image.Process proc(int pid, Map<Integer, Long> fds) {
    return io.leasecr.proto.image.Process.newBuilder()
        .setSpec(ProcessSpec.newBuilder().setPid(pid).setName("P" + pid)).putAllFds(fds).build();
  }

  private static SavedLocks locks(int leasePid, int flockPid) {
    return new SavedLocks(45_000, true, List.of(),
        List.of(new SavedLocks.Saved(FILE, leasePid, LeaseType.WRLCK, true, false, LeaseType.WRLCK, true, 5_000)),
        List.of(), List.of(new SavedLocks.Flock(1001, new FlockLock(FILE, flockPid, LeaseType.WRLCK))));
  }

  @Test
  void aTakerThatClosedItsFdLeavesItsLocksToTheChildThatHasTheDescription() {
    // file_lease04 / file_locks03: 101 took them and closed its fd; its child 103 has the description as fd 3
    CheckpointImage image = CheckpointImage.newBuilder().addProcesses(proc(101, Map.of()))
        .addProcesses(proc(102, Map.of(3, 0x1001_000002L))).addProcesses(proc(103, Map.of(3, FILE))).build();
    SavedLocks out = CriuLockOwners.reattribute(image, Set.of(101, 102, 103), locks(101, 101));
    assertThat(out.leases().get(0).pid()).isEqualTo(103);
    assertThat(out.flocks().get(0).lock().pid()).isEqualTo(103);
    // everything else about them is kept
    assertThat(out.leases().get(0)).isEqualTo(new SavedLocks.Saved(FILE, 103, LeaseType.WRLCK, true, false,
        LeaseType.WRLCK, true, 5_000));
    assertThat(out.flocks().get(0).lock().type()).isEqualTo(LeaseType.WRLCK);
  }

  @Test
  void aTakerWithAnFdKeepsItsLocksEvenIfAnEarlierProcessSharesTheDescription() {
    // file_locks02: shared with a child, the taker (here the child, 103) still has its fd
    CheckpointImage image = CheckpointImage.newBuilder().addProcesses(proc(101, Map.of(3, FILE)))
        .addProcesses(proc(103, Map.of(3, FILE))).build();
    SavedLocks out = CriuLockOwners.reattribute(image, Set.of(101, 103), locks(103, 103));
    assertThat(out.leases().get(0).pid()).isEqualTo(103);
    assertThat(out.flocks().get(0).lock().pid()).isEqualTo(103);
  }

  @Test
  void onlyRestoredProcessesCanTakeALockOver() {
    CheckpointImage image = CheckpointImage.newBuilder().addProcesses(proc(101, Map.of()))
        .addProcesses(proc(102, Map.of(4, FILE))).addProcesses(proc(103, Map.of(3, FILE))).build();
    SavedLocks out = CriuLockOwners.reattribute(image, Set.of(101, 103), locks(101, 101));
    assertThat(out.leases().get(0).pid()).isEqualTo(103); // 102 has it first, but is not restored
    SavedLocks none = CriuLockOwners.reattribute(image, Set.of(101), locks(101, 101));
    assertThat(none.leases().get(0).pid()).isEqualTo(101); // nobody restored holds it: unchanged
  }
}
