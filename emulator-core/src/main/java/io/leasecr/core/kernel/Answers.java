package io.leasecr.core.kernel;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Cluster mode: what a lease table answered each process's recent requests. On a cluster a request, or its
 * answer, can be lost in a cut, and a process that hears nothing sends the same request again (same request
 * id, from the same incarnation of the pid): the table must answer it again, not apply it twice (a second
 * open would be a second description, a second F_SETLK a second lock). Request ids of one incarnation only
 * grow; the last {@link #KEEP} answers per pid are kept, and a request at or below the newest one forgotten
 * is a stale copy (a process has at most a few calls in flight, so a live retry never falls that far behind).
 * An answer that was "asleep" ({@code Blocked}) becomes the wake-up (or EINTR) once it is sent.
 */
final class Answers {

  /** How many answers are kept per pid. */
  static final int KEEP = 16;

  /** An answer as sent: the message, the request it answered, when (emulated ms). */
  record Answer(ProcessActor.Command message, LockManager.Command request, long atMs) {}

  /** A request older than every kept answer of its process. */
  static final Answer STALE = new Answer(null, null, 0);

  private static final class Recent {
    final ActorRef<ProcessActor.Command> incarnation;
    final LinkedHashMap<Long, Answer> answers = new LinkedHashMap<>(4);
    long forgottenUpTo;

    Recent(ActorRef<ProcessActor.Command> incarnation) {
      this.incarnation = incarnation;
    }
  }

  private final Map<Integer, Recent> byPid = new HashMap<>();

  /**
   * The answer already given to request {@code reqId} of this incarnation of {@code pid}, {@link #STALE} for a
   * copy older than every kept answer, or null for a request not seen before (or from another incarnation).
   */
  Answer given(int pid, ActorRef<ProcessActor.Command> from, long reqId) {
    Recent r = byPid.get(pid);
    if (r == null || from == null || !r.incarnation.equals(from)) {
      return null;
    }
    Answer a = r.answers.get(reqId);
    return a != null ? a : reqId <= r.forgottenUpTo ? STALE : null;
  }

  /** The answer to a request, as sent now. */
  void record(int pid, ActorRef<ProcessActor.Command> from, long reqId, Answer answer) {
    if (from == null) {
      return;
    }
    Recent r = byPid.get(pid);
    if (r == null || !r.incarnation.equals(from)) {
      r = new Recent(from);
      byPid.put(pid, r);
    }
    r.answers.put(reqId, answer);
    while (r.answers.size() > KEEP) {
      Map.Entry<Long, Answer> oldest = r.answers.entrySet().iterator().next();
      r.forgottenUpTo = Math.max(r.forgottenUpTo, oldest.getKey());
      r.answers.remove(oldest.getKey());
    }
  }

  /** A sleeping call of {@code pid} ended (woken, timed out, interrupted): a copy of it now gets this answer. */
  void ended(int pid, long reqId, ProcessActor.Command message, long atMs) {
    Recent r = byPid.get(pid);
    Answer was = r == null ? null : r.answers.get(reqId);
    if (was != null) {
      r.answers.put(reqId, new Answer(message, was.request(), atMs));
    }
  }

  /** The pid's incarnation is gone (exit, death, restore): its answers go with it. */
  void forget(int pid) {
    byPid.remove(pid);
  }

  void clear() {
    byPid.clear();
  }
}
