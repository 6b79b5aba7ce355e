package io.leasecr.node.conform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The kernel side's dating of a death by a kill step's signal. */
class KernelRunTest {

  private static String status(long blk, long ign, long cgt) {
    return "Name:\tlcr_proc\nState:\tS (sleeping)\nSigQ:\t0/96370\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
        + String.format("SigBlk:\t%016x%nSigIgn:\t%016x%nSigCgt:\t%016x%n", blk, ign, cgt) + "CapInh:\t0000000000000000\n";
  }

  private static final long SIGUSR1 = 1L << 9;
  private static final long SIGCHLD = 1L << 16;
  private static final String RECVFROM = "45 0x64 0x7ffc 0x1000 0x0 0x0 0x0 0x7ffc 0x7f12";
  private static final String SIGTIMEDWAIT = "128 0x7ffc 0x7ffd 0x7ffe 0x8 0x0 0x0 0x7ffc 0x7f12";

  @Test
  void onlyADeliveryThatTerminatesKillsAtOnce() {
    // the harness's own SIGCHLD handler is in SigCgt of every helper
    assertThat(KernelRun.killsAtOnce(status(0, 0, SIGCHLD), RECVFROM, 10)).as("SIGUSR1 at its default").isTrue();
    assertThat(KernelRun.killsAtOnce(status(0, 0, SIGCHLD), "running", 10)).isTrue();
    // seed 424242 program 123515: a kill of a handled SIGUSR1, then execve (default again), then the lease
    // break's F_SETSIG SIGUSR1 kills: the death is not the kill step's
    assertThat(KernelRun.killsAtOnce(status(0, 0, SIGCHLD | SIGUSR1), RECVFROM, 10)).as("handled").isFalse();
    assertThat(KernelRun.killsAtOnce(status(0, SIGUSR1, SIGCHLD), RECVFROM, 10)).as("ignored").isFalse();
    assertThat(KernelRun.killsAtOnce(status(SIGUSR1, 0, SIGCHLD), RECVFROM, 10)).as("blocked").isFalse();
    assertThat(KernelRun.killsAtOnce(status(SIGUSR1 << 1, 0, SIGCHLD), RECVFROM, 10)).as("SIGSEGV blocked").isTrue();
    assertThat(KernelRun.killsAtOnce(status(0, 0, SIGCHLD), RECVFROM, 23)).as("SIGURG: default ignore").isFalse();
    assertThat(KernelRun.killsAtOnce(status(~0L, ~0L, ~0L), RECVFROM, 9)).as("SIGKILL").isTrue();
    // inside sigtimedwait SigBlk lacks the waited signals; whether one kills depends on the mask before it
    if (System.getProperty("os.arch").matches("amd64|x86_64")) { // rt_sigtimedwait is 128 there
      assertThat(KernelRun.killsAtOnce(status(0, 0, SIGCHLD), SIGTIMEDWAIT, 10))
          .as("in sigtimedwait: not known, so not at once").isFalse();
    }
  }
}
