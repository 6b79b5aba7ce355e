package io.leasecr.core.locks;

import java.util.ArrayList;
import java.util.List;

/**
 * Lock events for the tests of the lock lists: lease events are not looked at; each grant is written down in
 * {@link #granted}, in the words its test chooses (posixGranted/flockGranted overridden).
 */
abstract class GrantLog implements LockEvents {

  final List<String> granted = new ArrayList<>();

  @Override
  public void signal(int pid, int signo, int siCode, int siFd, Lease lease) {}

  @Override
  public void unblocked(BlockedOpener opener) {}

  @Override
  public void leaseChanged(Lease lease, String change) {}
}
