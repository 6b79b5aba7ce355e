package io.leasecr.node.explore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** no-conflict over /proc/locks: POSIX, OFD and flock locks the kernel would never grant together. */
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
}
