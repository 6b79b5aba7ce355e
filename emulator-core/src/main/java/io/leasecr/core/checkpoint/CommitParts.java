package io.leasecr.core.checkpoint;

import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * Commits that came in parts ({@link CheckpointCoordinator.CommitPart}: an image bigger than one Artery frame,
 * sent in order by the drill's driver), put together by the coordinator's keeper. A part out of order (one
 * lost: the singleton moved, or a new transfer of the same id began) drops what was gathered for that id;
 * its sender's ask then times out and the checkpoint is reported not committed.
 */
final class CommitParts {

  private record Gathering(int count, int next, ByteArrayOutputStream bytes) {}

  private final Map<String, Gathering> gathering = new HashMap<>();

  /** The commit, once {@code p} was its last part; null while parts are missing (or dropped: see {@link #problem}). */
  CheckpointCoordinator.Commit add(CheckpointCoordinator.CommitPart p) {
    problem = null;
    Gathering g = p.index() == 0 ? new Gathering(p.count(), 0, new ByteArrayOutputStream()) : gathering.get(p.id());
    if (g == null || g.next() != p.index() || g.count() != p.count() || p.count() < 1) {
      gathering.remove(p.id());
      problem = "part " + (p.index() + 1) + " of " + p.count() + " of checkpoint " + p.id() + " came "
          + (g == null ? "without the parts before it" : "after part " + g.next() + " of " + g.count())
          + ": the parts gathered so far are dropped";
      return null;
    }
    g.bytes().write(p.data(), 0, p.data().length);
    if (p.index() + 1 < p.count()) {
      gathering.put(p.id(), new Gathering(g.count(), p.index() + 1, g.bytes()));
      return null;
    }
    gathering.remove(p.id());
    return new CheckpointCoordinator.Commit(p.id(), p.takenAtMs(), p.scenario(), g.bytes().toByteArray(), p.replyTo());
  }

  /** Why the last part given to {@link #add} was dropped, or null. */
  String problem;
}
