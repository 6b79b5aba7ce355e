package io.leasecr.node.explore;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.trace.TraceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * no-conflict over /proc/locks: POSIX, OFD and flock locks the kernel would never grant together;
 * signalled-once and opener-bound on small traces (a run with no C/R: what the kernel does must hold).
 */
class CrInvariantsTest {

  @Test
  void posixLocksConflictOnlyBetweenPidsOnOverlappingRangesWithAWrite() {
    assertThat(CrInvariants.lockConflict(List.of("1: POSIX  ADVISORY  WRITE 101 00:2a:1001 0 99",
        "2: POSIX  ADVISORY  READ 102 00:2a:1001 50 59"))).contains("POSIX/POSIX");
    assertThat(CrInvariants.lockConflict(List.of("1: POSIX  ADVISORY  WRITE 101 00:2a:1001 0 99",
        "2: POSIX  ADVISORY  WRITE 102 00:2a:1001 100 EOF"))).isNull(); // disjoint
    assertThat(CrInvariants.lockConflict(List.of("1: POSIX  ADVISORY  READ 101 00:2a:1001 0 EOF",
        "2: POSIX  ADVISORY  READ 102 00:2a:1001 0 EOF"))).isNull(); // shared
    assertThat(CrInvariants.lockConflict(List.of("1: POSIX  ADVISORY  WRITE 101 00:2a:1001 0 EOF",
        "2: POSIX  ADVISORY  WRITE 102 00:2a:1002 0 EOF"))).isNull(); // other inode
  }

  @Test
  void ofdLocksConflictWithOverlappingOfdOrPosixLocks() {
    assertThat(CrInvariants.lockConflict(List.of("1: OFDLCK ADVISORY  WRITE -1 00:2a:1001 0 99",
        "2: OFDLCK ADVISORY  READ -1 00:2a:1001 50 59"))).contains("OFDLCK/OFDLCK");
    assertThat(CrInvariants.lockConflict(List.of("1: OFDLCK ADVISORY  WRITE -1 00:2a:1001 0 99",
        "2: POSIX  ADVISORY  READ 101 00:2a:1001 99 99"))).contains("OFDLCK/POSIX");
    assertThat(CrInvariants.lockConflict(List.of("1: OFDLCK ADVISORY  WRITE -1 00:2a:1001 0 99",
        "2: -> OFDLCK ADVISORY  WRITE -1 00:2a:1001 50 59"))).isNull(); // a waiter is not granted
    assertThat(CrInvariants.lockConflict(List.of("1: OFDLCK ADVISORY  WRITE -1 00:2a:1001 0 49",
        "2: OFDLCK ADVISORY  WRITE -1 00:2a:1001 50 99"))).isNull();
  }

  @Test
  void twoFlockLocksOnAFileConflictIfEitherIsExclusiveAndNeverWithRecordLocks() {
    assertThat(CrInvariants.lockConflict(List.of("1: FLOCK  ADVISORY  WRITE 101 00:2a:1001 0 EOF",
        "2: FLOCK  ADVISORY  READ 102 00:2a:1001 0 EOF"))).contains("FLOCK/FLOCK");
    assertThat(CrInvariants.lockConflict(List.of("1: FLOCK  ADVISORY  READ 101 00:2a:1001 0 EOF",
        "2: FLOCK  ADVISORY  READ 101 00:2a:1001 0 EOF"))).isNull();
    assertThat(CrInvariants.lockConflict(List.of("1: FLOCK  ADVISORY  WRITE 101 00:2a:1001 0 EOF",
        "2: POSIX  ADVISORY  WRITE 102 00:2a:1001 0 EOF"))).isNull(); // flock and fcntl locks ignore each other
    assertThat(CrInvariants.lockConflict(List.of("1: FLOCK  ADVISORY  WRITE 101 00:2a:1001 0 EOF",
        "2: -> FLOCK  ADVISORY  READ 102 00:2a:1001 0 EOF"))).isNull();
  }

  // ---------------------------------------------------------------- signalled-once, opener-bound

  private static final Variant PLAIN = new Variant(0, "seed", "remaining", List.of(), 5000, Set.of());

  private static TraceEvent lease(long t, int pid, String path, String change, String type, String target, Long deadline) {
    return TraceEvent.kernel(t, "lease", pid, TraceEvent.args("path", path, "change", change, "type", type, "target",
        target, "deadline", deadline));
  }

  private static TraceEvent signal(long t, int pid, String sig, String code, Integer fd) {
    return new TraceEvent(t, "signal", pid, "P" + (pid - 100), 0, null, TraceEvent.args("signal", sig, "code", code,
        "fd", fd, "action", "handler"), null, null);
  }

  private static TraceEvent call(long t, String kind, int pid, int step, String call, Map<String, Object> args,
      Long result) {
    return new TraceEvent(t, kind, pid, "P" + (pid - 100), step, call, args, result, null);
  }

  private static TraceEvent setLease(long t, int pid, int fd) {
    return call(t, "enter", pid, 0, "fcntl", TraceEvent.args("fd", fd, "cmd", "F_SETLEASE", "arg", "F_RDLCK"), null);
  }

  private static String check(List<TraceEvent> events, String invariant) {
    return new CrInvariants(events, Map.of(), Map.of("P1", 101, "P2", 102, "P3", 103), PLAIN).check().get(invariant);
  }

  @Test
  void aWritersBreakOfADowngradePendingLeaseSignalsItsHolderOnceMore() {
    // __break_lease: the reader marks the write lease downgrade-pending (lm_break: SIGIO), a writer then marks it
    // unlock-pending (lm_break again: a second SIGIO), fuzz-downgrade-deadline-under-pending-unlock
    List<TraceEvent> ev = new ArrayList<>(List.of(
        lease(0, 101, "/f", "acquired", "WRITE", "WRITE", null),
        lease(2002, 101, "/f", "break: downgrade pending", "WRITE", "READ", 3002L),
        signal(2002, 101, "SIGIO", "SI_KERNEL", null),
        lease(2574, 101, "/f", "break: unlock pending", "WRITE", "UNLCK", 3574L),
        signal(2574, 101, "SIGIO", "SI_KERNEL", null)));
    assertThat(check(ev, CrInvariants.SIGNALLED_ONCE)).isNull();
    // a third signal for the same break is one too many
    ev.add(signal(2600, 101, "SIGIO", "SI_KERNEL", null));
    assertThat(check(ev, CrInvariants.SIGNALLED_ONCE)).contains("signalled 3 times for one break of /f");
    // and two for one pending state are one too many
    assertThat(check(List.of(
        lease(0, 101, "/f", "acquired", "WRITE", "WRITE", null),
        lease(1000, 101, "/f", "break: unlock pending", "WRITE", "UNLCK", 46000L),
        signal(1000, 101, "SIGIO", "SI_KERNEL", null),
        lease(1500, 101, "/f", "break: unlock pending", "WRITE", "UNLCK", 46000L),
        signal(1500, 101, "SIGIO", "SI_KERNEL", null)), CrInvariants.SIGNALLED_ONCE))
        .contains("signalled 2 times for one break of /f (unlock pending)");
  }

  @Test
  void aSignalCountsForTheLeaseItsSiFdNamesNotForEveryLeaseOfItsHolder() {
    // sigmask-unblock-delivers-lowest-first: three leases of one holder broken, their signals delivered later, one
    // for each (si_fd names the lease); a second signal with the same si_fd is still one too many
    List<TraceEvent> ev = new ArrayList<>();
    int fd = 3;
    for (String f : List.of("/f1", "/f2", "/f3")) {
      ev.add(setLease(0, 101, fd++));
      ev.add(lease(0, 101, f, "acquired", "READ", "READ", null));
      ev.add(call(0, "return", 101, 0, "fcntl", Map.of(), 0L));
    }
    ev.add(lease(1000, 101, "/f1", "break: unlock pending", "READ", "UNLCK", 46000L));
    ev.add(lease(1100, 101, "/f2", "break: unlock pending", "READ", "UNLCK", 46100L));
    ev.add(lease(1200, 101, "/f3", "break: unlock pending", "READ", "UNLCK", 46200L));
    ev.add(signal(2000, 101, "SIGUSR1", "POLL_MSG", 4));
    ev.add(lease(2000, 101, "/f2", "released by F_UNLCK", "UNLCK", "UNLCK", null));
    ev.add(signal(2000, 101, "SIGRTMIN+1", "POLL_MSG", 5));
    ev.add(signal(2000, 101, "SIGRTMIN+2", "POLL_MSG", 3));
    assertThat(check(ev, CrInvariants.SIGNALLED_ONCE)).isNull();
    ev.add(signal(2000, 101, "SIGRTMIN+2", "POLL_MSG", 3));
    assertThat(check(ev, CrInvariants.SIGNALLED_ONCE)).contains("signalled 2 times for one break of /f1");
  }

  /**
   * fuzz-downgrade-deadline-under-pending-unlock up to its second break: P2 (a reader) asleep on the downgrade
   * (deadline 3.002 s), which the holder's own writer made unlock-pending (deadline 3.574 s).
   */
  private static List<TraceEvent> readerAsleepUnderAnUnlock() {
    return new ArrayList<>(List.of(
        lease(0, 101, "/f", "acquired", "WRITE", "WRITE", null),
        call(2002, "enter", 102, 3, "open", TraceEvent.args("path", "/f", "flags", "O_RDONLY"), null),
        lease(2002, 101, "/f", "break: downgrade pending", "WRITE", "READ", 3002L),
        call(2002, "block", 102, 3, "open", Map.of(), null),
        lease(2574, 101, "/f", "break: unlock pending", "WRITE", "UNLCK", 3574L)));
  }

  @Test
  void anOpenerAsleepOnADowngradeWaitsForAWritersLaterDeadlineAndAKilledOneWaitsNoMore() {
    // fuzz-downgrade-deadline-under-pending-unlock: P2 (a reader) sleeps on the downgrade (deadline 3.002 s); the
    // holder's own writer makes it unlock-pending (deadline 3.574 s); P2 then sleeps until that fl_break_time
    List<TraceEvent> ev = readerAsleepUnderAnUnlock();
    ev.add(call(3146, "return", 102, 3, "open", Map.of(), 3L));
    assertThat(check(ev, CrInvariants.OPENER_BOUND)).isNull();
    ev.add(4, call(2003, "enter", 103, 4, "open", TraceEvent.args("path", "/f", "flags", "O_RDONLY"), null));
    ev.add(5, call(2003, "block", 103, 4, "open", Map.of(), null));
    ev.add(call(3600, "return", 103, 4, "open", Map.of(), 3L)); // past the later deadline: still a violation
    assertThat(check(ev, CrInvariants.OPENER_BOUND)).contains("P3's open (step 4) returned at 3.600s, its bound was 3.574s");
    // but an open of the file past the downgrade's deadline runs time_out_leases: the reader proceeds then
    // (the 3.146 s open of fuzz-downgrade-deadline-under-pending-unlock); a reader still asleep is a violation
    List<TraceEvent> looked = readerAsleepUnderAnUnlock();
    looked.add(call(3146, "enter", 101, 5, "open", TraceEvent.args("path", "/f", "flags", "O_RDONLY"), null));
    looked.add(call(3574, "return", 102, 3, "open", Map.of(), 3L));
    assertThat(check(looked, CrInvariants.OPENER_BOUND)).contains("P2's open (step 3) returned at 3.574s, its bound was 3.146s");
    // lazy-expiry-blocked-opener-killed: a sleeper killed before its deadline does not wait any more
    assertThat(check(List.of(
        lease(0, 101, "/f", "acquired", "READ", "READ", null),
        call(1000, "enter", 102, 3, "open", TraceEvent.args("path", "/f", "flags", "O_WRONLY"), null),
        lease(1000, 101, "/f", "break: unlock pending", "READ", "UNLCK", 6000L),
        call(1000, "block", 102, 3, "open", Map.of(), null),
        new TraceEvent(2000, "exit", 102, "P2", 0, null, TraceEvent.args("signal", "SIGKILL"), null, null),
        call(10000, "enter", 101, 8, "fcntl", TraceEvent.args("fd", 3, "cmd", "F_GETLEASE"), null)),
        CrInvariants.OPENER_BOUND)).isNull();
  }
}
