package io.leasecr.node.bench;

import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.LeaseType;
import io.leasecr.core.kernel.ProcessActor;
import io.leasecr.core.process.Syscall;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Drives one holder/breaker pair through lease-break cycles, like a scenario would:
 * P1 F_SETLEASE(F_WRLCK); P2 open(O_WRONLY) blocks; P1's SIGIO handler releases; P2's open returns;
 * P2 closes. Messages per cycle (counted for the raw-messaging comparison): driver→table Deliver,
 * table→P1 Run, P1→kernel SetLease, kernel→P1 reply, P1→driver done, driver→table Deliver, table→P2
 * Run, P2→kernel Open, kernel→P1 Signal, kernel→P2 Blocked, P1→P1 reaction, P1→kernel
 * SetLease(F_UNLCK), kernel→P2 grant, kernel→P1 reply, P2→driver done, driver→table Deliver,
 * table→P2 Run(close), P2→kernel Put, P2→driver done: 19.
 */
final class CycleDriver extends AbstractBehavior<ProcessActor.StepDone> {

  static final int MESSAGES_PER_CYCLE = 19;

  private enum Phase { OPEN_HOLDER, SET_LEASE, BREAK, CLOSE }

  static Behavior<ProcessActor.StepDone> create(ActorRef<ProcessTable.Command> processes, int holderPid,
      int breakerPid, String path, long cycles, CompletableFuture<Void> done) {
    return Behaviors.setup(ctx -> new CycleDriver(ctx, processes, holderPid, breakerPid, path, cycles, done));
  }

  private final ActorRef<ProcessTable.Command> processes;
  private final int holder;
  private final int breaker;
  private final String path;
  private final long cycles;
  private final CompletableFuture<Void> done;
  private long completed;
  private Phase phase = Phase.OPEN_HOLDER;

  private CycleDriver(ActorContext<ProcessActor.StepDone> ctx, ActorRef<ProcessTable.Command> processes,
      int holder, int breaker, String path, long cycles, CompletableFuture<Void> done) {
    super(ctx);
    this.processes = processes;
    this.holder = holder;
    this.breaker = breaker;
    this.path = path;
    this.cycles = cycles;
    this.done = done;
    run(holder, new Syscall.Open(path, AccessMode.O_RDONLY, false, false));
  }

  @Override
  public Receive<ProcessActor.StepDone> createReceive() {
    return newReceiveBuilder().onMessage(ProcessActor.StepDone.class, this::onDone).build();
  }

  private Behavior<ProcessActor.StepDone> onDone(ProcessActor.StepDone d) {
    if (d.errno() != null) {
      done.completeExceptionally(new IllegalStateException("cycle " + completed + ": " + d.call() + " failed with "
          + d.errno()));
      return Behaviors.stopped();
    }
    switch (phase) {
      case OPEN_HOLDER, CLOSE -> {
        if (phase == Phase.CLOSE && ++completed == cycles) {
          done.complete(null);
          return Behaviors.stopped();
        }
        phase = Phase.SET_LEASE;
        run(holder, new Syscall.Fcntl(3, Syscall.Fcntl.Cmd.F_SETLEASE, LeaseType.WRLCK.value));
      }
      case SET_LEASE -> {
        phase = Phase.BREAK;
        run(breaker, new Syscall.Open(path, AccessMode.O_WRONLY, false, false));
      }
      case BREAK -> {
        phase = Phase.CLOSE;
        run(breaker, new Syscall.Close((int) d.result()));
      }
    }
    return this;
  }

  private void run(int pid, Syscall call) {
    processes.tell(new ProcessTable.Deliver(pid, new ProcessActor.Run(call, 0, getContext().getSelf())));
  }
}
