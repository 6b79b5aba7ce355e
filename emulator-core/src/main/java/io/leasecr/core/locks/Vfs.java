package io.leasecr.core.locks;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The emulated file namespace: path to inode, fixed for a run (files are declared up front).
 * Immutable, so every actor may hold it; inode numbers are assigned in declaration order.
 */
public final class Vfs {
  /** Device shown in /proc/locks as MAJ:MIN. */
  public static final String DEV = "00:2a";
  private static final long FIRST_INO = 1001;

  private final Map<String, Inode> byPath;

  private Vfs(Map<String, Inode> byPath) {
    this.byPath = byPath;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Inode lookup(String path) {
    return byPath.get(path);
  }

  public Collection<Inode> inodes() {
    return byPath.values();
  }

  public static final class Builder {
    private final Map<String, Inode> byPath = new LinkedHashMap<>();

    public Builder file(String path, int uid, Inode.Kind kind, boolean leaseSupport) {
      if (byPath.containsKey(path)) {
        throw new IllegalArgumentException("file declared twice: " + path);
      }
      byPath.put(path, new Inode(FIRST_INO + byPath.size(), DEV, path, uid, kind, leaseSupport));
      return this;
    }

    public Vfs build() {
      return new Vfs(Collections.unmodifiableMap(new LinkedHashMap<>(byPath))); // declaration order
    }
  }
}
