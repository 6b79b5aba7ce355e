package io.leasecr.core.locks;

/** What generic_setlease checks of the caller: its fsuid and whether it has CAP_LEASE. */
public record Credentials(int fsuid, boolean capLease) {
  public static final Credentials ROOT = new Credentials(0, true);
}
