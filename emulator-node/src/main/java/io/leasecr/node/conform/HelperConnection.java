package io.leasecr.node.conform;

import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.locks.Signals;
import io.leasecr.core.process.Syscall;
import io.leasecr.core.trace.TraceEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One real process running native/lcr_proc.c: sends it commands and turns its reports into trace
 * events. Commands queue in the process as they would in a single-threaded program.
 */
final class HelperConnection {

  /**
   * What was sent and awaits its "ret" line. {@code childPid}: for a fork, the scenario's pid of the
   * child, reported instead of the real one.
   */
  /** {@code shiftNanos}: how late the driver's schedule was when it sent the call (it is late by that too). */
  private record Pending(int step, String call, int childPid, long sentNanos, long shiftNanos,
      CompletableFuture<long[]> answer) {}

  final String name;
  final int pid;
  final int realPid;
  private volatile SocketChannel channel;
  private volatile BufferedReader in;
  /** Dumped by CRIU: the end of this connection is not the process's end; a restore reattaches it. */
  private volatile boolean checkpointed;
  private final KernelRun run;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private final ArrayDeque<String> reactions = new ArrayDeque<>();
  private final Map<Integer, Map<String, Object>> queuedArgs = new HashMap<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile boolean exitReported;
  /** When its connection ended (emulated ms; -1 while open): a process that died had died by then. */
  private volatile long eofAt = -1;

  long eofAt() {
    return eofAt;
  }
  /** When this process's previous command returned (CLOCK_MONOTONIC ns): the next cannot start before. */
  private long lastReturnNanos;

  HelperConnection(SocketChannel channel, BufferedReader in, String name, int pid, int realPid, KernelRun run) {
    this.channel = channel;
    this.in = in;
    this.name = name;
    this.pid = pid;
    this.realPid = realPid;
    this.run = run;
    startReader();
  }

  private void startReader() {
    BufferedReader from = in;
    Thread reader = new Thread(() -> readLoop(from), "lcr-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * How far this process's CLOCK_MONOTONIC is behind the driver's: CRIU restores a tree in a new time namespace
   * whose clock goes on from the dump's reading, as if no time had passed while it was down.
   */
  private volatile long clockOffsetNanos;
  private volatile boolean offsetUnknown;
  /** When it was dumped (driver's clock = its clock before the restore): readings before are not shifted. */
  private volatile long checkpointedAt = Long.MAX_VALUE;

  private static long monotonicOffset(int realPid) {
    try {
      for (String l : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + realPid + "/timens_offsets"))) {
        String[] f = l.trim().split("\\s+");
        if (f[0].equals("monotonic") || f[0].equals("1")) {
          return -(Long.parseLong(f[1]) * 1_000_000_000L + Long.parseLong(f[2]));
        }
      }
    } catch (IOException | RuntimeException e) {
      // no time namespaces here: the clock is the driver's
    }
    return 0;
  }

  /** About to be dumped by CRIU (which kills the process): its connection's end says nothing. */
  void markCheckpointed() {
    checkpointedAt = System.nanoTime();
    checkpointed = true;
  }

  boolean checkpointed() {
    return checkpointed;
  }

  /**
   * The process is back from a CRIU restore on a new connection (native/lcr_criu_restore.c): what it had
   * sent for and not had answered (a call asleep at the dump, retried after it) is answered on this one.
   */
  void reattach(SocketChannel ch, BufferedReader reader) {
    offsetUnknown = true; // the restore is only starting: the process's namespace is read at its first line
    channel = ch;
    in = reader;
    checkpointed = false;
    startReader();
  }

  static BufferedReader reader(SocketChannel ch) {
    return new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.US_ASCII));
  }

  /** Sends a command; step > 0 for a scenario step (its enter event is traced), 0 for set-up. */
  synchronized CompletableFuture<long[]> send(int step, String call, String line, Map<String, Object> args) {
    return send(step, call, line, args, 0);
  }

  synchronized CompletableFuture<long[]> send(int step, String call, String line, Map<String, Object> args,
      int childPid) {
    CompletableFuture<long[]> answer = new CompletableFuture<>();
    if (step > 0 && pending.stream().noneMatch(p -> p.step > 0)) {
      run.emit(new TraceEvent(run.now(), "enter", pid, name, step, call, args, null, null));
    } else if (step > 0) {
      queuedArgs.put(step, args);
    }
    pending.add(new Pending(step, call, childPid, System.nanoTime(), run.behindNanos(), answer));
    try {
      channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII)));
    } catch (IOException e) {
      pending.removeLast();
      answer.completeExceptionally(e);
    }
    return answer;
  }

  boolean busy() {
    synchronized (this) {
      return pending.stream().anyMatch(p -> p.step > 0);
    }
  }

  CompletableFuture<Void> closed() {
    return closed;
  }

  void markExitReported() {
    exitReported = true;
  }

  boolean exitReported() {
    return exitReported;
  }

  private void readLoop(BufferedReader from) {
    try {
      String line;
      while ((line = from.readLine()) != null) {
        handle(line.split(" "));
      }
    } catch (IOException | RuntimeException e) {
      // the process died or was killed: EOF is how we learn it
    }
    if (checkpointed || from != in) {
      return; // dumped by CRIU: the process comes back on another connection
    }
    eofAt = run.now();
    synchronized (this) {
      for (Pending p : pending) {
        p.answer.completeExceptionally(new IOException(name + " went away"));
      }
      pending.clear();
    }
    closed.complete(null);
  }

  private void handle(String[] f) {
    if (offsetUnknown) {
      clockOffsetNanos = monotonicOffset(realPid);
      offsetUnknown = false;
    }
    long offset = clockOffsetNanos;
    if (offset != 0) { // the process's clock readings, in the driver's clock
      f[0] = String.valueOf(Long.parseLong(f[0]) + offset);
      if (f[1].equals("react") && f.length > 4) {
        f[4] = String.valueOf(Long.parseLong(f[4]) + offset);
      } else if (f[1].equals("ret") && f.length > 5 && Long.parseLong(f[5]) > checkpointedAt) {
        // (a call taken before the dump, retried after the restore, was taken on the clock before it)
        f[5] = String.valueOf(Long.parseLong(f[5]) + offset);
      }
    }
    long t = run.emulatedTime(Long.parseLong(f[0]));
    switch (f[1]) {
      case "ret" -> onReturn(t, Long.parseLong(f[0]), f[2], Long.parseLong(f[3]), f[4],
          f.length > 5 ? Long.parseLong(f[5]) : 0, returned(f));
      case "sig" -> {
        int signo = Integer.parseInt(f[2]);
        int fd = Integer.parseInt(f[4]);
        run.emit(new TraceEvent(t, "signal", pid, name, 0, null, TraceEvent.args(
            "signal", Signals.name(signo),
            "code", Signals.codeName(Integer.parseInt(f[3])),
            "fd", fd >= 0 ? fd : null,
            "action", f[5].equals("restart") ? "handler(SA_RESTART)" : "handler"), null, null));
      }
      case "react" -> {
        String action = f[2];
        if (!action.equals("nothing")) { // "nothing" makes no call, so no "ret" follows
          synchronized (this) {
            reactions.add(action.equals("close") ? "close" : "fcntl");
          }
        }
        int fd = Integer.parseInt(f[3]);
        if (f.length > 4) {
          run.scheduledLate(Long.parseLong(f[0]) - Long.parseLong(f[4])); // a delayed reaction that ran late
        }
        run.emit(new TraceEvent(t, "reaction", pid, name, 0, null, TraceEvent.args(
            "signal", run.reactionSignal(name, action), "action", action, "fd", fd), null, null));
        Syscall call = switch (action) {
          case "release" -> new Syscall.Fcntl(fd, Syscall.Fcntl.Cmd.F_SETLEASE, LeaseType.UNLCK.value);
          case "downgrade" -> new Syscall.Fcntl(fd, Syscall.Fcntl.Cmd.F_SETLEASE, LeaseType.RDLCK.value);
          case "close" -> new Syscall.Close(fd);
          default -> null;
        };
        if (call != null) {
          run.emit(new TraceEvent(t, "enter", pid, name, 0, call.name(), call.traceArgs(), null, null));
        }
      }
      case "exit" -> {
        exitReported = true;
        run.emit(new TraceEvent(t, "exit", pid, name, 0, null, TraceEvent.args("status", Integer.parseInt(f[2])),
            null, null));
      }
      case "child" -> run.childEnded(t, Integer.parseInt(f[2]), f[3], Integer.parseInt(f[4]));
      default -> { }
    }
  }

  /** What a ret line shows besides the result: "si CODE FD" (sigtimedwait), "lk WHENCE START LEN PID" (F_GETLK). */
  private Map<String, Object> returned(String[] f) {
    if (f.length > 8 && f[6].equals("si")) {
      int fd = Integer.parseInt(f[8]);
      return TraceEvent.args("code", Signals.codeName(Integer.parseInt(f[7])), "fd", fd >= 0 ? fd : null);
    }
    if (f.length > 10 && f[6].equals("lk")) {
      long pid = Long.parseLong(f[10]);
      return TraceEvent.args("l_whence", f[7].equals("0") ? "SEEK_SET" : f[7], "l_start", Long.parseLong(f[8]),
          "l_len", Long.parseLong(f[9]), "l_pid", pid > 0 ? (long) run.emulatedPid((int) pid) : pid);
    }
    return null;
  }

  /**
   * A call's "ret" line: {@code retNanos} when it returned, {@code startNanos} when the process took it (0 for
   * a reaction's call). How late the process started it, after it was due (sent, less the schedule's shift) and
   * after its previous call returned, is its scheduling delay: the run keeps the largest (see {@link KernelRun#schedulingDelayNanos}).
   */
  private void onReturn(long t, long retNanos, String call, long result, String errno, long startNanos,
      Map<String, Object> returned) {
    Pending p;
    synchronized (this) {
      // a reaction writes "react" just before its call, and the main line cannot write in between
      // (handlers run on the main thread; the delayed-reaction thread's window is one syscall)
      if (!reactions.isEmpty() && reactions.peek().equals(call)) {
        reactions.poll();
        emitReturn(t, 0, call, result, errno, null);
        return;
      }
      p = pending.poll();
      if (p == null) {
        return;
      }
      if (startNanos > 0) {
        // late against the schedule as it was before the driver's shift: the two add up
        run.scheduledLate(lateness(startNanos, p.sentNanos, p.shiftNanos, lastReturnNanos));
      }
      lastReturnNanos = retNanos;
      if (p.childPid > 0 && result > 0) {
        result = p.childPid;
      }
      if (p.step > 0) {
        emitReturn(t, p.step, call, result, errno, returned);
        Pending next = pending.stream().filter(q -> q.step > 0).findFirst().orElse(null);
        if (next != null) {
          // the program makes its next call when this one returns, as the emulator does
          run.emit(new TraceEvent(t, "enter", pid, name, next.step, next.call, queuedArgs.remove(next.step), null, null));
        }
      }
    }
    p.answer.complete(new long[] {result, errno.equals("-") ? 0 : 1});
  }

  private void emitReturn(long t, int step, String call, long result, String errno, Map<String, Object> returned) {
    boolean ok = errno.equals("-");
    run.emit(new TraceEvent(t, "return", pid, name, step, call, returned, ok ? result : null,
        ok ? null : errno));
  }

  void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  /**
   * How late a call started: against when it was due, which is when it was sent less the schedule's shift at that
   * moment (the driver was late by that much already), or the process's previous return if later (it could not
   * start before). The shift and the call's own delay add up.
   */
  static long lateness(long startNanos, long sentNanos, long shiftNanos, long lastReturnNanos) {
    return startNanos - Math.max(sentNanos - shiftNanos, lastReturnNanos);
  }
}
