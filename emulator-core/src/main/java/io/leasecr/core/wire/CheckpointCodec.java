package io.leasecr.core.wire;

import com.google.protobuf.MessageLite;
import io.leasecr.core.checkpoint.CheckpointCoordinator;
import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.kernel.ProcessActor;
import io.leasecr.core.checkpoint.ChunkStore;
import io.leasecr.proto.checkpoint.CheckpointChunk;
import io.leasecr.proto.checkpoint.CheckpointChunksPurged;
import io.leasecr.proto.checkpoint.CheckpointCommitted;
import io.leasecr.proto.checkpoint.CheckpointDeleted;
import io.leasecr.proto.checkpoint.CoordinatorCommit;
import io.leasecr.proto.checkpoint.CoordinatorDone;
import io.leasecr.proto.checkpoint.CoordinatorFound;
import io.leasecr.proto.checkpoint.CoordinatorGet;
import io.leasecr.proto.checkpoint.CheckpointMarker;
import io.leasecr.proto.checkpoint.CheckpointRolledBack;
import io.leasecr.proto.checkpoint.LocksSaved;
import io.leasecr.proto.checkpoint.ProcessSaved;
import io.leasecr.proto.checkpoint.ProcessesSaved;
import io.leasecr.proto.checkpoint.Register;
import io.leasecr.proto.checkpoint.RestoreLocks;
import io.leasecr.proto.checkpoint.RestoreProcesses;
import io.leasecr.proto.checkpoint.SaveRequest;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRefResolver;

/** Record ⇄ protobuf for the checkpoint/restart protocol (checkpoint.proto). */
final class CheckpointCodec {

  /** Three save requests share one schema; the manifest tells which record it becomes. */
  record SaveRequestOf(String manifest, SaveRequest request) {}

  private final ActorRefResolver refs;

  CheckpointCodec(ActorRefResolver refs) {
    this.refs = refs;
  }

  /** Null if {@code o} is not a checkpoint message. */
  MessageLite toProto(Object o) {
    if (o instanceof LockManager.Register m) {
      return Register.newBuilder().setPid(m.pid()).setProcess(refs.toSerializationFormat(m.process())).build();
    } else if (o instanceof LockManager.Save m) {
      return SaveRequest.newBuilder().setReplyTo(refs.toSerializationFormat(m.replyTo())).build();
    } else if (o instanceof ProcessTable.Save m) {
      return SaveRequest.newBuilder().setReplyTo(refs.toSerializationFormat(m.replyTo())).build();
    } else if (o instanceof ProcessActor.Save m) {
      return SaveRequest.newBuilder().setReplyTo(refs.toSerializationFormat(m.replyTo())).build();
    } else if (o instanceof LockManager.LocksSaved m) {
      return LocksSaved.newBuilder().setPart(m.part()).build();
    } else if (o instanceof ProcessTable.ProcessesSaved m) {
      return ProcessesSaved.newBuilder().addAllProcesses(m.processes()).build();
    } else if (o instanceof ProcessActor.Saved m) {
      return ProcessSaved.newBuilder().setProcess(m.image()).build();
    } else if (o instanceof LockManager.Restore m) {
      return RestoreLocks.newBuilder().setImage(m.image()).addAllPids(m.pids()).setPolicy(m.policy())
          .setCriu(m.criu()).setMode(m.mode().toString()).putAllRestoredAtMs(m.restoredAtMs()).setWholeTree(m.wholeTree())
          .setTypeGuess(m.typeGuess().toString()).build();
    } else if (o instanceof ProcessTable.Restore m) {
      return RestoreProcesses.newBuilder().addAllProcesses(m.processes()).addAllFiles(m.files()).build();
    } else if (o instanceof CheckpointCoordinator.Committed m) {
      return CheckpointCommitted.newBuilder().setId(m.id()).setTakenAtMs(m.takenAtMs()).setScenario(m.scenario())
          .setImage(m.image()).build();
    } else if (o instanceof CheckpointCoordinator.Deleted m) {
      return CheckpointDeleted.newBuilder().setId(m.id()).build();
    } else if (o instanceof CheckpointCoordinator.Commit m) {
      return CoordinatorCommit.newBuilder().setId(m.id()).setTakenAtMs(m.takenAtMs()).setScenario(m.scenario())
          .setImage(com.google.protobuf.ByteString.copyFrom(m.image()))
          .setReplyTo(refs.toSerializationFormat(m.replyTo())).build();
    } else if (o instanceof CheckpointCoordinator.Get m) {
      return CoordinatorGet.newBuilder().setId(m.id()).setReplyTo(refs.toSerializationFormat(m.replyTo()))
          .setOffset(m.offset()).setLimit(m.limit()).build();
    } else if (o instanceof CheckpointCoordinator.CommitPart m) {
      io.leasecr.proto.checkpoint.CoordinatorCommitPart.Builder b = io.leasecr.proto.checkpoint.CoordinatorCommitPart
          .newBuilder().setId(m.id()).setTakenAtMs(m.takenAtMs()).setScenario(m.scenario()).setIndex(m.index())
          .setCount(m.count()).setData(com.google.protobuf.ByteString.copyFrom(m.data()));
      return (m.replyTo() == null ? b : b.setReplyTo(refs.toSerializationFormat(m.replyTo()))).build();
    } else if (o instanceof CheckpointCoordinator.Done m) {
      CoordinatorDone.Builder b = CoordinatorDone.newBuilder().setId(m.id());
      return (m.error() == null ? b : b.setError(m.error())).build();
    } else if (o instanceof CheckpointCoordinator.Found m) {
      CoordinatorFound.Builder b = CoordinatorFound.newBuilder().setId(m.id());
      if (m.entry() != null) {
        b.setEntry(CheckpointCommitted.newBuilder().setId(m.entry().id()).setTakenAtMs(m.entry().takenAtMs())
            .setScenario(m.entry().scenario()).setImage(m.entry().image()));
        b.setSize(m.entry().size());
      }
      if (m.error() != null) {
        b.setError(m.error());
      }
      return b.build();
    } else if (o instanceof ChunkStore.Chunk m) {
      return CheckpointChunk.newBuilder().setData(m.data()).build();
    } else if (o instanceof CheckpointCoordinator.Marker m) {
      return CheckpointMarker.newBuilder().setId(m.id()).setTakenAtMs(m.takenAtMs()).setScenario(m.scenario())
          .setSize(m.size()).setChunkCount(m.chunkCount()).setCrc32(m.crc32()).setChunkSet(m.chunkSet())
          .setChunksPersistenceId(m.chunksPersistenceId()).setFirstSequenceNr(m.firstSequenceNr()).build();
    } else if (o instanceof CheckpointCoordinator.RolledBack m) {
      return CheckpointRolledBack.newBuilder().setId(m.id()).build();
    } else if (o instanceof CheckpointCoordinator.ChunksPurged m) {
      return CheckpointChunksPurged.newBuilder().addAllPersistenceIds(m.persistenceIds()).build();
    }
    return null;
  }

  /** Null if {@code p} is not a checkpoint message. */
  Object fromProto(MessageLite p) {
    if (p instanceof Register m) {
      return new LockManager.Register(m.getPid(), refs.resolveActorRef(m.getProcess()));
    } else if (p instanceof LocksSaved m) {
      return new LockManager.LocksSaved(m.getPart());
    } else if (p instanceof ProcessesSaved m) {
      return new ProcessTable.ProcessesSaved(List.copyOf(m.getProcessesList()));
    } else if (p instanceof ProcessSaved m) {
      return new ProcessActor.Saved(m.getProcess());
    } else if (p instanceof RestoreLocks m) {
      return new LockManager.Restore(m.getImage(), List.copyOf(m.getPidsList()), m.getPolicy(),
          m.getMode().isEmpty() ? io.leasecr.core.locks.RestartMode.of(m.getCriu())
              : io.leasecr.core.locks.RestartMode.parse(m.getMode()),
          Map.copyOf(m.getRestoredAtMsMap()), m.getWholeTree(), m.getTypeGuess().isEmpty() ? null
          : io.leasecr.core.locks.CriuTypeGuess.parse(m.getTypeGuess()));
    } else if (p instanceof RestoreProcesses m) {
      return new ProcessTable.Restore(List.copyOf(m.getProcessesList()), List.copyOf(m.getFilesList()));
    } else if (p instanceof CheckpointCommitted m) {
      return new CheckpointCoordinator.Committed(m.getId(), m.getTakenAtMs(), m.getScenario(), m.getImage());
    } else if (p instanceof CheckpointDeleted m) {
      return new CheckpointCoordinator.Deleted(m.getId());
    } else if (p instanceof CoordinatorCommit m) {
      return new CheckpointCoordinator.Commit(m.getId(), m.getTakenAtMs(), m.getScenario(), m.getImage().toByteArray(),
          refs.resolveActorRef(m.getReplyTo()));
    } else if (p instanceof CoordinatorGet m) {
      return new CheckpointCoordinator.Get(m.getId(), m.getOffset(), m.getLimit(), refs.resolveActorRef(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.checkpoint.CoordinatorCommitPart m) {
      return new CheckpointCoordinator.CommitPart(m.getId(), m.getTakenAtMs(), m.getScenario(), m.getIndex(),
          m.getCount(), m.getData().toByteArray(), m.getReplyTo().isEmpty() ? null : refs.resolveActorRef(m.getReplyTo()));
    } else if (p instanceof CoordinatorDone m) {
      return new CheckpointCoordinator.Done(m.getId(), m.hasError() ? m.getError() : null);
    } else if (p instanceof CoordinatorFound m) {
      CheckpointCommitted e = m.getEntry();
      return new CheckpointCoordinator.Found(m.getId(), m.hasEntry()
          ? new CheckpointCoordinator.Entry(e.getId(), e.getTakenAtMs(), e.getScenario(),
              m.getSize() > 0 ? m.getSize() : e.getImage().size(), 1,
              e.getImage()) : null,
          m.hasError() ? m.getError() : null);
    } else if (p instanceof CheckpointChunk m) {
      return new ChunkStore.Chunk(m.getData());
    } else if (p instanceof CheckpointMarker m) {
      return new CheckpointCoordinator.Marker(m.getId(), m.getTakenAtMs(), m.getScenario(), m.getSize(),
          m.getChunkCount(), m.getCrc32(), m.getChunkSet(), m.getChunksPersistenceId(), m.getFirstSequenceNr());
    } else if (p instanceof CheckpointRolledBack m) {
      return new CheckpointCoordinator.RolledBack(m.getId());
    } else if (p instanceof CheckpointChunksPurged m) {
      return new CheckpointCoordinator.ChunksPurged(List.copyOf(m.getPersistenceIdsList()));
    }
    return null;
  }

  Object saveRequest(SaveRequestOf r) {
    String replyTo = r.request().getReplyTo();
    return switch (r.manifest()) {
      case WireSerializer.Manifests.SAVE_LOCKS -> new LockManager.Save(refs.resolveActorRef(replyTo));
      case WireSerializer.Manifests.SAVE_PROCESSES -> new ProcessTable.Save(refs.resolveActorRef(replyTo));
      default -> new ProcessActor.Save(refs.resolveActorRef(replyTo));
    };
  }
}
