package io.leasecr.core.locks;

/**
 * An open(2) or truncate(2) sleeping in __break_lease until no conflicting lease remains. For an
 * open, {@code file} is the description already counted in i_readcount/i_writecount (do_dentry_open
 * counts before it breaks); a truncate holds write access through {@code file} too.
 */
public record BlockedOpener(int pid, long reqId, boolean wantWrite, long since, OpenFile file, boolean truncate) {}
