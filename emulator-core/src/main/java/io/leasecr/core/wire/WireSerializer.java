package io.leasecr.core.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.leasecr.core.checkpoint.CheckpointCoordinator;
import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.kernel.ProcessActor;
import io.leasecr.proto.wire.Blocked;
import io.leasecr.proto.wire.Deliver;
import io.leasecr.proto.wire.Exited;
import io.leasecr.proto.wire.FileRef;
import io.leasecr.proto.wire.Forked;
import io.leasecr.proto.wire.GetLease;
import io.leasecr.proto.wire.Interrupt;
import io.leasecr.proto.wire.KernelReply;
import io.leasecr.proto.wire.LocksReport;
import io.leasecr.proto.wire.Open;
import io.leasecr.proto.wire.ProcessExited;
import io.leasecr.proto.wire.Run;
import io.leasecr.proto.wire.SetLease;
import io.leasecr.proto.wire.SetSig;
import io.leasecr.proto.wire.SetSysctl;
import io.leasecr.proto.wire.ShowLocks;
import io.leasecr.proto.wire.Signal;
import io.leasecr.proto.wire.Spawn;
import io.leasecr.proto.wire.StepDone;
import io.leasecr.proto.wire.Truncate;
import java.io.NotSerializableException;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Protobuf serialization of the kernel, process and process-table protocols (proto/.../wire.proto).
 * Manifests are short and stable: they name the message, never the Java class, so classes can be
 * renamed without breaking peers or stored data. Conversions live in {@link WireCodec}.
 */
public final class WireSerializer extends SerializerWithStringManifest {

  /** Registered in reference.conf; must never change once data is stored. */
  public static final int IDENTIFIER = 7310;

  private final ExtendedActorSystem system;
  private volatile WireCodec codec;

  public WireSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  private WireCodec codec() {
    WireCodec c = codec;
    if (c == null) {
      c = codec = new WireCodec(system, this);
    }
    return c;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    String m = Manifests.of(o);
    if (m == null) {
      throw new IllegalArgumentException("no wire manifest for " + o.getClass().getName());
    }
    return m;
  }

  @Override
  public byte[] toBinary(Object o) {
    MessageLite p = codec().checkpoint().toProto(o);
    return (p != null ? p : codec().toProto(o)).toByteArray();
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      Object parsed = parse(bytes, manifest);
      return parsed instanceof CheckpointCodec.SaveRequestOf r ? codec().checkpoint().saveRequest(r)
          : codec().fromProto((MessageLite) parsed);
    } catch (InvalidProtocolBufferException e) {
      throw new NotSerializableException("corrupt " + manifest + " message: " + e.getMessage());
    }
  }

  private static Object parse(byte[] b, String manifest) throws InvalidProtocolBufferException, NotSerializableException {
    return switch (manifest) {
      case Manifests.OPEN -> Open.parseFrom(b);
      case Manifests.TRUNCATE -> Truncate.parseFrom(b);
      case Manifests.SET_LEASE -> SetLease.parseFrom(b);
      case Manifests.GET_LEASE -> GetLease.parseFrom(b);
      case Manifests.SET_SIG -> SetSig.parseFrom(b);
      case Manifests.FILE_REF -> FileRef.parseFrom(b);
      case Manifests.RECORD_LOCK -> io.leasecr.proto.wire.RecordLock.parseFrom(b);
      case Manifests.FLOCK -> io.leasecr.proto.wire.Flock.parseFrom(b);
      case Manifests.INTERRUPT -> Interrupt.parseFrom(b);
      case Manifests.RECHECK -> io.leasecr.proto.wire.Recheck.parseFrom(b);
      case Manifests.REENTER -> io.leasecr.proto.wire.Reenter.parseFrom(b);
      case Manifests.CLOSE -> io.leasecr.proto.wire.Close.parseFrom(b);
      case Manifests.PROCESS_EXITED -> ProcessExited.parseFrom(b);
      case Manifests.SET_SYSCTL -> SetSysctl.parseFrom(b);
      case Manifests.SHOW_LOCKS -> ShowLocks.parseFrom(b);
      case Manifests.LOCKS_REPORT -> LocksReport.parseFrom(b);
      case Manifests.CLOCK_FREEZE, Manifests.CLOCK_THAW -> io.leasecr.proto.wire.ClockControl.parseFrom(b);
      case Manifests.CLOCK_STATE -> io.leasecr.proto.wire.ClockState.parseFrom(b);
      case Manifests.RUN -> Run.parseFrom(b);
      case Manifests.SIGNAL -> Signal.parseFrom(b);
      case Manifests.BLOCKED -> Blocked.parseFrom(b);
      case Manifests.KERNEL_REPLY -> KernelReply.parseFrom(b);
      case Manifests.STEP_DONE -> StepDone.parseFrom(b);
      case Manifests.SPAWN -> Spawn.parseFrom(b);
      case Manifests.FORKED -> Forked.parseFrom(b);
      case Manifests.DELIVER -> Deliver.parseFrom(b);
      case Manifests.EXITED -> Exited.parseFrom(b);
      case Manifests.LM_FROM_NODE, Manifests.PT_FROM_NODE -> io.leasecr.proto.wire.FromNode.parseFrom(b);
      case Manifests.REGISTER -> io.leasecr.proto.checkpoint.Register.parseFrom(b);
      case Manifests.SAVE_LOCKS, Manifests.SAVE_PROCESSES, Manifests.SAVE_PROCESS ->
          new CheckpointCodec.SaveRequestOf(manifest, io.leasecr.proto.checkpoint.SaveRequest.parseFrom(b));
      case Manifests.LOCKS_SAVED -> io.leasecr.proto.checkpoint.LocksSaved.parseFrom(b);
      case Manifests.PROCESSES_SAVED -> io.leasecr.proto.checkpoint.ProcessesSaved.parseFrom(b);
      case Manifests.PROCESS_SAVED -> io.leasecr.proto.checkpoint.ProcessSaved.parseFrom(b);
      case Manifests.RESTORE_LOCKS -> io.leasecr.proto.checkpoint.RestoreLocks.parseFrom(b);
      case Manifests.RESTORE_PROCESSES -> io.leasecr.proto.checkpoint.RestoreProcesses.parseFrom(b);
      case Manifests.CHECKPOINT_COMMITTED -> io.leasecr.proto.checkpoint.CheckpointCommitted.parseFrom(b);
      case Manifests.CHECKPOINT_DELETED -> io.leasecr.proto.checkpoint.CheckpointDeleted.parseFrom(b);
      case Manifests.COORDINATOR_COMMIT -> io.leasecr.proto.checkpoint.CoordinatorCommit.parseFrom(b);
      case Manifests.COORDINATOR_GET -> io.leasecr.proto.checkpoint.CoordinatorGet.parseFrom(b);
      case Manifests.COORDINATOR_COMMIT_PART -> io.leasecr.proto.checkpoint.CoordinatorCommitPart.parseFrom(b);
      case Manifests.COORDINATOR_DONE -> io.leasecr.proto.checkpoint.CoordinatorDone.parseFrom(b);
      case Manifests.COORDINATOR_FOUND -> io.leasecr.proto.checkpoint.CoordinatorFound.parseFrom(b);
      case Manifests.CHECKPOINT_MARKER -> io.leasecr.proto.checkpoint.CheckpointMarker.parseFrom(b);
      case Manifests.CHECKPOINT_CHUNKS_PURGED -> io.leasecr.proto.checkpoint.CheckpointChunksPurged.parseFrom(b);
      case Manifests.CHECKPOINT_ROLLED_BACK -> io.leasecr.proto.checkpoint.CheckpointRolledBack.parseFrom(b);
      case Manifests.CHECKPOINT_CHUNK -> chunk(b);
      default -> throw new NotSerializableException("unknown wire manifest '" + manifest + "'");
    };
  }

  /** A chunk's bytes stay in the array the journal read (a fresh one per row): no copy. */
  private static io.leasecr.proto.checkpoint.CheckpointChunk chunk(byte[] b) throws InvalidProtocolBufferException {
    com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(b);
    in.enableAliasing(true);
    try {
      return io.leasecr.proto.checkpoint.CheckpointChunk.parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (java.io.IOException e) {
      throw new InvalidProtocolBufferException(e); // not thrown when reading from an array
    }
  }

  /** The stable manifest of each message. */
  static final class Manifests {
    static final String OPEN = "lm-open";
    static final String TRUNCATE = "lm-truncate";
    static final String SET_LEASE = "lm-setlease";
    static final String GET_LEASE = "lm-getlease";
    static final String SET_SIG = "lm-setsig";
    static final String FILE_REF = "lm-fileref";
    static final String RECORD_LOCK = "lm-recordlock";
    static final String FLOCK = "lm-flock";
    static final String INTERRUPT = "lm-interrupt";
    static final String RECHECK = "lm-recheck";
    static final String REENTER = "lm-reenter";
    static final String CLOSE = "lm-close";
    static final String PROCESS_EXITED = "lm-exited";
    static final String SET_SYSCTL = "lm-sysctl";
    static final String SHOW_LOCKS = "lm-showlocks";
    static final String LOCKS_REPORT = "lm-locksreport";
    static final String CLOCK_FREEZE = "clk-freeze";
    static final String CLOCK_THAW = "clk-thaw";
    static final String CLOCK_STATE = "clk-state";
    static final String RUN = "p-run";
    static final String SIGNAL = "p-signal";
    static final String BLOCKED = "p-blocked";
    static final String KERNEL_REPLY = "p-reply";
    static final String STEP_DONE = "p-stepdone";
    static final String SPAWN = "pt-spawn";
    static final String FORKED = "pt-forked";
    static final String DELIVER = "pt-deliver";
    static final String EXITED = "pt-exited";
    static final String LM_FROM_NODE = "lm-fromnode";
    static final String PT_FROM_NODE = "pt-fromnode";
    static final String REGISTER = "lm-register";
    static final String SAVE_LOCKS = "lm-save";
    static final String LOCKS_SAVED = "lm-saved";
    static final String RESTORE_LOCKS = "lm-restore";
    static final String SAVE_PROCESSES = "pt-save";
    static final String PROCESSES_SAVED = "pt-saved";
    static final String RESTORE_PROCESSES = "pt-restore";
    static final String SAVE_PROCESS = "p-save";
    static final String PROCESS_SAVED = "p-saved";
    // journal events: never change these
    static final String CHECKPOINT_COMMITTED = "ck-committed";
    static final String CHECKPOINT_DELETED = "ck-deleted";
    // the coordinator's protocol (a cluster singleton on cluster nodes)
    static final String COORDINATOR_COMMIT = "ck-commit";
    static final String COORDINATOR_GET = "ck-get";
    static final String COORDINATOR_COMMIT_PART = "ck-commit-part";
    static final String COORDINATOR_DONE = "ck-done";
    static final String COORDINATOR_FOUND = "ck-found";
    static final String CHECKPOINT_MARKER = "ck-marker";
    static final String CHECKPOINT_CHUNK = "ck-chunk";
    static final String CHECKPOINT_CHUNKS_PURGED = "ck-purged";
    static final String CHECKPOINT_ROLLED_BACK = "ck-rolled-back";

    private Manifests() {}

    static String of(Object o) {
      if (o instanceof LockManager.Open) return OPEN;
      if (o instanceof LockManager.Truncate) return TRUNCATE;
      if (o instanceof LockManager.SetLease) return SET_LEASE;
      if (o instanceof LockManager.GetLease) return GET_LEASE;
      if (o instanceof LockManager.SetSig) return SET_SIG;
      if (o instanceof LockManager.Get || o instanceof LockManager.Put) return FILE_REF;
      if (o instanceof LockManager.Interrupt) return INTERRUPT;
      if (o instanceof LockManager.Recheck) return RECHECK;
      if (o instanceof LockManager.Reenter) return REENTER;
      if (o instanceof LockManager.Close) return CLOSE;
      if (o instanceof LockManager.RecordLock) return RECORD_LOCK;
      if (o instanceof LockManager.Flock) return FLOCK;
      if (o instanceof LockManager.ProcessExited) return PROCESS_EXITED;
      if (o instanceof LockManager.SetSysctl) return SET_SYSCTL;
      if (o instanceof LockManager.ShowLocks) return SHOW_LOCKS;
      if (o instanceof LockManager.LocksReport) return LOCKS_REPORT;
      if (o instanceof io.leasecr.core.time.ClockKeeper.Freeze) return CLOCK_FREEZE;
      if (o instanceof io.leasecr.core.time.ClockKeeper.Thaw) return CLOCK_THAW;
      if (o instanceof io.leasecr.core.time.ClockKeeper.State) return CLOCK_STATE;
      if (o instanceof ProcessActor.Run) return RUN;
      if (o instanceof ProcessActor.Signal) return SIGNAL;
      if (o instanceof ProcessActor.Blocked) return BLOCKED;
      if (o instanceof ProcessActor.KernelReply) return KERNEL_REPLY;
      if (o instanceof ProcessActor.StepDone) return STEP_DONE;
      if (o instanceof ProcessTable.Spawn) return SPAWN;
      if (o instanceof ProcessTable.Forked) return FORKED;
      if (o instanceof ProcessTable.Deliver) return DELIVER;
      if (o instanceof ProcessTable.Exited) return EXITED;
      if (o instanceof LockManager.FromNode) return LM_FROM_NODE;
      if (o instanceof ProcessTable.FromNode) return PT_FROM_NODE;
      if (o instanceof LockManager.Register) return REGISTER;
      if (o instanceof LockManager.Save) return SAVE_LOCKS;
      if (o instanceof LockManager.LocksSaved) return LOCKS_SAVED;
      if (o instanceof LockManager.Restore) return RESTORE_LOCKS;
      if (o instanceof ProcessTable.Save) return SAVE_PROCESSES;
      if (o instanceof ProcessTable.ProcessesSaved) return PROCESSES_SAVED;
      if (o instanceof ProcessTable.Restore) return RESTORE_PROCESSES;
      if (o instanceof ProcessActor.Save) return SAVE_PROCESS;
      if (o instanceof ProcessActor.Saved) return PROCESS_SAVED;
      if (o instanceof CheckpointCoordinator.Committed) return CHECKPOINT_COMMITTED;
      if (o instanceof CheckpointCoordinator.Deleted) return CHECKPOINT_DELETED;
      if (o instanceof CheckpointCoordinator.Commit) return COORDINATOR_COMMIT;
      if (o instanceof CheckpointCoordinator.Get) return COORDINATOR_GET;
      if (o instanceof CheckpointCoordinator.CommitPart) return COORDINATOR_COMMIT_PART;
      if (o instanceof CheckpointCoordinator.Done) return COORDINATOR_DONE;
      if (o instanceof CheckpointCoordinator.Found) return COORDINATOR_FOUND;
      if (o instanceof CheckpointCoordinator.Marker) return CHECKPOINT_MARKER;
      if (o instanceof CheckpointCoordinator.ChunksPurged) return CHECKPOINT_CHUNKS_PURGED;
      if (o instanceof CheckpointCoordinator.RolledBack) return CHECKPOINT_ROLLED_BACK;
      if (o instanceof io.leasecr.core.checkpoint.ChunkStore.Chunk) return CHECKPOINT_CHUNK;
      return null;
    }
  }
}
