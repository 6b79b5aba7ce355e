package io.leasecr.core.locks;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;

/**
 * An inode's open file descriptions by id (the map a {@link FileLockContext} keeps): one description held in a
 * field, a map only when the inode is open more than once. Nearly every file of a large tree is open once, and a
 * {@code HashMap} of one (table, node, boxed key, values view) cost about 150 bytes a file (BENCHMARKS.md, issue
 * 17). Iteration order is not the map's: callers that need one sort (as {@code LeaseTable.save} does by id).
 */
final class OpenFiles {
  private long oneId;
  /** The only description, when there is exactly one and {@link #many} is null. */
  private OpenFile one;
  /** Two or more descriptions; null otherwise. */
  private HashMap<Long, OpenFile> many;

  OpenFile get(long id) {
    if (many != null) {
      return many.get(id);
    }
    return one != null && oneId == id ? one : null;
  }

  boolean containsKey(long id) {
    return get(id) != null;
  }

  void put(long id, OpenFile file) {
    if (many != null) {
      many.put(id, file);
    } else if (one == null || oneId == id) {
      oneId = id;
      one = file;
    } else {
      many = new HashMap<>(4);
      many.put(oneId, one);
      many.put(id, file);
      one = null;
    }
  }

  void remove(long id) {
    if (many != null) {
      many.remove(id);
      if (many.isEmpty()) {
        many = null;
      }
    } else if (one != null && oneId == id) {
      one = null;
    }
  }

  boolean isEmpty() {
    return many == null && one == null;
  }

  int size() {
    return many != null ? many.size() : one != null ? 1 : 0;
  }

  /** The descriptions, in no particular order (a view of the map, or a list of the one). */
  Collection<OpenFile> values() {
    return many != null ? many.values() : one != null ? List.of(one) : List.of();
  }
}
