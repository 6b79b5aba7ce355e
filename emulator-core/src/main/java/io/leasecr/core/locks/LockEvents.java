package io.leasecr.core.locks;

/**
 * What the lease rules ask the outside world to do. The {@link LeaseTable} never sends anything
 * itself: the actor that owns it turns these calls into messages, timers and trace events.
 */
public interface LockEvents {

  /** lm_break → kill_fasync → send_sigio: signal the file owner. siFd is -1 when none is reported. */
  void signal(int pid, int signo, int siCode, int siFd, Lease lease);

  /** A blocked opener may proceed: its open/truncate returns (granted, with its description). */
  void unblocked(BlockedOpener opener);

  /** A lease changed state: for the trace and /proc/locks watchers. */
  void leaseChanged(Lease lease, String change);

  /** A process sleeping in F_SETLKW (or F_OFD_SETLKW) got its POSIX lock. */
  default void posixGranted(PosixLocks.Waiter waiter) {}

  /** A process sleeping in flock() got its lock. */
  default void flockGranted(FlockLocks.Waiter waiter) {}

  /** Something the kernel did that no lease event shows (a restored lease or lock refused): for the trace. */
  default void note(int pid, String text) {}

  LockEvents NONE =
      new LockEvents() {
        @Override
        public void signal(int pid, int signo, int siCode, int siFd, Lease lease) {}

        @Override
        public void unblocked(BlockedOpener opener) {}

        @Override
        public void leaseChanged(Lease lease, String change) {}
      };
}
