package io.leasecr.core.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Signal names and numbers (x86-64, signal(7)), /proc/locks lines, and the restart policies' arithmetic. */
class SignalsAndProcLocksTest {

  private static final Inode F = new Inode(1001, "00:2a", "/f", 0, Inode.Kind.REGULAR, true);
  private static final Inode G = new Inode(1002, "00:2a", "/g", 0, Inode.Kind.REGULAR, true);

  @Test
  void signalNamesAndNumbers() {
    assertThat(Signals.name(Signals.SIGIO)).isEqualTo("SIGIO");
    assertThat(Signals.name(1)).isEqualTo("SIGHUP");
    assertThat(Signals.name(31)).isEqualTo("SIGSYS");
    assertThat(Signals.name(32)).isEqualTo("SIG32");
    assertThat(Signals.name(0)).isEqualTo("SIG0");
    assertThat(Signals.name(34)).isEqualTo("SIGRTMIN");
    assertThat(Signals.name(37)).isEqualTo("SIGRTMIN+3");
    assertThat(Signals.name(64)).isEqualTo("SIGRTMIN+30");
    assertThat(Signals.name(65)).isEqualTo("SIG65");
    assertThat(Signals.parse(" sigio ")).isEqualTo(29);
    assertThat(Signals.parse("IO")).isEqualTo(29);
    assertThat(Signals.parse("SIGPOLL")).isEqualTo(29);
    assertThat(Signals.parse("POLL")).isEqualTo(29);
    assertThat(Signals.parse("SIGHUP")).isEqualTo(1);
    assertThat(Signals.parse("SIGSYS")).isEqualTo(31);
    assertThat(Signals.parse("10")).isEqualTo(10);
    assertThat(Signals.parse("")).isEqualTo(-1);
    assertThat(Signals.parse("SIGRTMIN")).isEqualTo(34);
    assertThat(Signals.parse("RTMIN+3")).isEqualTo(37);
    assertThat(Signals.parse("SIGRTMIN-1")).isEqualTo(-1);
    assertThat(Signals.parse("SIGRTMIN+x")).isEqualTo(-1);
    assertThat(Signals.parse("SIGNOPE")).isEqualTo(-1);
    assertThat(Signals.parse("99999999999")).isEqualTo(-1);
    assertThat(Signals.codeName(Signals.SI_KERNEL)).isEqualTo("SI_KERNEL");
    assertThat(Signals.codeName(Signals.POLL_MSG)).isEqualTo("POLL_MSG");
    assertThat(Signals.codeName(Signals.SI_USER)).isEqualTo("SI_USER");
    assertThat(Signals.codeName(-6)).isEqualTo("-6");
  }

  @Test
  void whatTheDefaultActionDoes() {
    for (int ignored : new int[] {Signals.SIGCHLD, Signals.SIGCONT, Signals.SIGURG, Signals.SIGWINCH, Signals.SIGSTOP}) {
      assertThat(Signals.defaultTerminates(ignored)).as(Signals.name(ignored)).isFalse();
    }
    for (int kills : new int[] {Signals.SIGIO, Signals.SIGTERM, Signals.SIGKILL, Signals.SIGUSR1, 40}) {
      assertThat(Signals.defaultTerminates(kills)).as(Signals.name(kills)).isTrue();
    }
    assertThat(Signals.catchable(Signals.SIGKILL)).isFalse();
    assertThat(Signals.catchable(Signals.SIGSTOP)).isFalse();
    assertThat(Signals.catchable(Signals.SIGIO)).isTrue();
  }

  @Test
  void procLocksListsLeasesBreakersAndLocksWithTheirWaiters() {
    LeaseTable t = new LeaseTable(45, true);
    LeaseTableTest.Recorder ev = new LeaseTableTest.Recorder();
    OpenFile holder = ((LeaseTable.Outcome.Done) t.open(1, 0, F, AccessMode.O_RDONLY, false, 0, ev)).file();
    t.setLease(1, 3, F.ino(), holder.id(), LeaseType.WRLCK.value, Credentials.ROOT, 0, ev);
    assertThat(ProcLocks.render(t)).containsExactly("1: LEASE  ACTIVE    WRITE 1 00:2a:1001 0 EOF");
    t.open(2, 7, F, AccessMode.O_WRONLY, false, 1000, ev); // a writer: the break
    t.open(3, 8, F, AccessMode.O_RDONLY, false, 1000, ev); // a reader behind it, under the writer
    t.open(4, 9, F, AccessMode.O_WRONLY, false, 1000, ev); // a writer conflicts with both: under the reader
    OpenFile mine = ((LeaseTable.Outcome.Done) t.open(1, 0, G, AccessMode.O_RDONLY, false, 1000, ev)).file();
    t.setLk(1, 0, G.ino(), mine.id(), LeaseType.RDLCK.value, 0, 10, false, ev);
    OpenFile other = ((LeaseTable.Outcome.Done) t.open(5, 0, G, AccessMode.O_RDONLY, false, 1000, ev)).file();
    t.setLk(5, 0, G.ino(), other.id(), LeaseType.RDLCK.value, 20, 0, false, ev);
    t.setOfdLk(5, 0, G.ino(), other.id(), LeaseType.RDLCK.value, 40, 1, 0, false, ev);
    t.flock(5, 0, G.ino(), other.id(), FlockLocks.LOCK_SH, ev);
    assertThat(ProcLocks.render(t)).containsExactly(
        "1: LEASE  BREAKING  UNLCK 1 00:2a:1001 0 EOF",
        "1: -> LEASE  BREAKER   WRITE 2 <none>:0 0 EOF",
        "1:  -> LEASE  BREAKER   READ 3 <none>:0 0 EOF",
        "1:   -> LEASE  BREAKER   WRITE 4 <none>:0 0 EOF",
        "2: POSIX  ADVISORY  READ 1 00:2a:1002 0 9",
        "3: POSIX  ADVISORY  READ 5 00:2a:1002 20 EOF",
        "4: OFDLCK ADVISORY  READ -1 00:2a:1002 40 40",
        "5: FLOCK  ADVISORY  READ 5 00:2a:1002 0 EOF");
  }

  @Test
  void waitingLocksHangUnderTheLockInTheirWayAndUnderEarlierWaitersTheyConflictWith() {
    LeaseTable t = new LeaseTable(45, true);
    LeaseTableTest.Recorder ev = new LeaseTableTest.Recorder();
    OpenFile[] f = new OpenFile[5];
    for (int p = 1; p <= 4; p++) {
      f[p] = ((LeaseTable.Outcome.Done) t.open(p, 0, F, AccessMode.O_RDWR, false, 0, ev)).file();
    }
    t.setLk(1, 0, F.ino(), f[1].id(), LeaseType.WRLCK.value, 0, 10, false, ev);
    t.setLk(2, 5, F.ino(), f[2].id(), LeaseType.WRLCK.value, 0, 10, true, ev);
    t.setLk(3, 6, F.ino(), f[3].id(), LeaseType.RDLCK.value, 5, 1, true, ev);
    t.setLk(4, 7, F.ino(), f[4].id(), LeaseType.RDLCK.value, 8, 1, true, ev);
    t.flock(1, 0, F.ino(), f[1].id(), FlockLocks.LOCK_EX, ev);
    t.flock(2, 8, F.ino(), f[2].id(), FlockLocks.LOCK_SH, ev);
    assertThat(ProcLocks.render(t)).containsExactly(
        "1: POSIX  ADVISORY  WRITE 1 00:2a:1001 0 9",
        "1: -> POSIX  ADVISORY  WRITE 2 00:2a:1001 0 9",
        "1:  -> POSIX  ADVISORY  READ 3 00:2a:1001 5 5",
        "1:  -> POSIX  ADVISORY  READ 4 00:2a:1001 8 8",
        "2: FLOCK  ADVISORY  WRITE 1 00:2a:1001 0 EOF",
        "2: -> FLOCK  ADVISORY  READ 2 00:2a:1001 0 EOF");
  }

  @Test
  void restartPoliciesGiveTheHolderItsTime() {
    assertThat(RestartPolicy.REMAINING.timeLeft(5000, 45)).isEqualTo(5000);
    assertThat(RestartPolicy.REMAINING.timeLeft(-1, 45)).isEqualTo(-1);
    RestartPolicy holder = RestartPolicy.parse("favor-holder");
    assertThat(holder.timeLeft(5000, 45)).isEqualTo(45_000);
    assertThat(holder.timeLeft(5000, 0)).isEqualTo(-1);
    assertThat(RestartPolicy.parse(" favor-breaker ").timeLeft(5000, 45)).isZero();
    assertThat(RestartPolicy.parse("delta:+2s").timeLeft(5000, 45)).isEqualTo(7000);
    assertThat(RestartPolicy.parse("delta:-9s").timeLeft(5000, 45)).isZero();
    assertThat(RestartPolicy.parse("delta:+2s").toString()).isEqualTo("delta:+2000ms");
    assertThat(RestartPolicy.parse("delta:-1500ms").toString()).isEqualTo("delta:-1500ms");
    assertThat(RestartPolicy.parse("remaining").toString()).isEqualTo("remaining");
    assertThat(holder.toString()).isEqualTo("favor-holder");
    assertThat(RestartPolicy.parse("favor-breaker").toString()).isEqualTo("favor-breaker");
    assertThatThrownBy(() -> RestartPolicy.parse("delta:soon")).hasMessageStartingWith("restart policy delta: ");
    assertThatThrownBy(() -> RestartPolicy.parse("always")).hasMessageContaining("got 'always'");
  }
}
