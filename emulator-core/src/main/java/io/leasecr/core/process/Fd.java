package io.leasecr.core.process;

import io.leasecr.core.locks.AccessMode;

/** One fd table entry: which open file description it refers to, and what it was opened as. */
public record Fd(long ino, long fileId, String path, AccessMode mode, boolean nonblock) {}
