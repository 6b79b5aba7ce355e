package io.leasecr.core.locks;

/** Lease and lock types with their Linux values ({@code F_RDLCK}=0, {@code F_WRLCK}=1, {@code F_UNLCK}=2). */
public enum LeaseType {
  RDLCK(0, "READ"),
  WRLCK(1, "WRITE"),
  UNLCK(2, "UNLCK");

  public final int value;
  /** The word /proc/locks prints. */
  public final String procName;

  LeaseType(int value, String procName) {
    this.value = value;
    this.procName = procName;
  }

  public String fcntlName() {
    return "F_" + name();
  }

  /** Null when the value is none of the three: the caller answers EINVAL. */
  public static LeaseType ofValue(long value) {
    for (LeaseType t : values()) {
      if (t.value == value) {
        return t;
      }
    }
    return null;
  }
}
