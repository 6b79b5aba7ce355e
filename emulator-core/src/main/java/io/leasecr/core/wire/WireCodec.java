package io.leasecr.core.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.process.Fd;
import io.leasecr.core.kernel.ProcessActor;
import io.leasecr.core.process.Syscall;
import io.leasecr.core.process.WireTypes;
import io.leasecr.proto.wire.FdEntry;
import java.io.NotSerializableException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/** Record ⇄ protobuf conversions for {@link WireSerializer}. */
final class WireCodec {

  private final ActorRefResolver refs;
  private final WireSerializer serializer;
  private final CheckpointCodec checkpoint;

  WireCodec(ExtendedActorSystem system, WireSerializer serializer) {
    this.refs = ActorRefResolver.get(Adapter.toTyped(system));
    this.serializer = serializer;
    this.checkpoint = new CheckpointCodec(refs);
  }

  CheckpointCodec checkpoint() {
    return checkpoint;
  }

  // ------------------------------------------------------------------ to protobuf

  MessageLite toProto(Object o) {
    if (o instanceof LockManager.Open m) {
      return io.leasecr.proto.wire.Open.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setPath(m.path())
          .setMode(WireTypes.mode(m.mode())).setNonblock(m.nonblock()).setTrunc(m.trunc()).setReplyTo(ref(m.replyTo()))
          .build();
    } else if (o instanceof LockManager.Truncate m) {
      return io.leasecr.proto.wire.Truncate.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setPath(m.path())
          .setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.SetLease m) {
      return io.leasecr.proto.wire.SetLease.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setFd(m.fd())
          .setIno(m.ino()).setFileId(m.fileId()).setArg(m.arg()).setFsuid(m.fsuid()).setCapLease(m.capLease())
          .setRestartReq(m.restartReq()).setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.GetLease m) {
      return io.leasecr.proto.wire.GetLease.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setIno(m.ino())
          .setFileId(m.fileId()).setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.SetSig m) {
      return io.leasecr.proto.wire.SetSig.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setIno(m.ino())
          .setFileId(m.fileId()).setSig(m.sig()).setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.Get m) {
      return io.leasecr.proto.wire.FileRef.newBuilder().setIno(m.ino()).setFileId(m.fileId()).build();
    } else if (o instanceof LockManager.Put m) {
      return io.leasecr.proto.wire.FileRef.newBuilder().setIno(m.ino()).setFileId(m.fileId()).setPut(true)
          .setPid(m.pid()).build();
    } else if (o instanceof LockManager.Close m) {
      return io.leasecr.proto.wire.Close.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setIno(m.ino())
          .setFileId(m.fileId()).setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.RecordLock m) {
      return io.leasecr.proto.wire.RecordLock.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setIno(m.ino())
          .setFileId(m.fileId()).setCmd(io.leasecr.proto.wire.RecordLockCmd.valueOf(m.cmd().name())).setType(m.type())
          .setStart(m.start()).setLen(m.len()).setLPid(m.lPid()).setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.Flock m) {
      return io.leasecr.proto.wire.Flock.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setIno(m.ino())
          .setFileId(m.fileId()).setOp(m.op()).setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.Interrupt m) {
      return io.leasecr.proto.wire.Interrupt.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setPath(m.path())
          .setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.Reenter m) {
      return io.leasecr.proto.wire.Reenter.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setPath(m.path()).build();
    } else if (o instanceof LockManager.Recheck m) {
      return io.leasecr.proto.wire.Recheck.newBuilder().setPid(m.pid()).setReqId(m.reqId())
          .setPath(m.path() == null ? "" : m.path()).setIno(m.ino()).setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.ProcessExited m) {
      return io.leasecr.proto.wire.ProcessExited.newBuilder().setPid(m.pid()).build();
    } else if (o instanceof LockManager.SetSysctl m) {
      return io.leasecr.proto.wire.SetSysctl.newBuilder().setName(m.name()).setValue(m.value()).build();
    } else if (o instanceof io.leasecr.core.time.ClockKeeper.Freeze m) {
      return io.leasecr.proto.wire.ClockControl.newBuilder().setOp(io.leasecr.proto.wire.ClockControl.Op.FREEZE)
          .setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof io.leasecr.core.time.ClockKeeper.Thaw m) {
      return io.leasecr.proto.wire.ClockControl.newBuilder().setOp(io.leasecr.proto.wire.ClockControl.Op.THAW)
          .setAtMs(m.atMs()).setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof io.leasecr.core.time.ClockKeeper.State m) {
      return io.leasecr.proto.wire.ClockState.newBuilder().setNode(m.node()).setAtMs(m.atMs()).setFrozen(m.frozen())
          .build();
    } else if (o instanceof LockManager.ShowLocks m) {
      return io.leasecr.proto.wire.ShowLocks.newBuilder().setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.LocksReport m) {
      return io.leasecr.proto.wire.LocksReport.newBuilder().addAllLines(m.lines()).build();
    } else if (o instanceof ProcessActor.Run m) {
      return io.leasecr.proto.wire.Run.newBuilder().setCall(WireTypes.syscall(m.call())).setStep(m.step())
          .setReplyTo(m.replyTo() == null ? "" : ref(m.replyTo())).build();
    } else if (o instanceof ProcessActor.Signal m) {
      return io.leasecr.proto.wire.Signal.newBuilder().setSigno(m.signo()).setSiCode(m.siCode()).setSiFd(m.siFd())
          .build();
    } else if (o instanceof ProcessActor.Blocked m) {
      return io.leasecr.proto.wire.Blocked.newBuilder().setReqId(m.reqId()).build();
    } else if (o instanceof ProcessActor.KernelReply m) {
      io.leasecr.proto.wire.KernelReply.Builder b = io.leasecr.proto.wire.KernelReply.newBuilder()
          .setReqId(m.reqId()).setResult(m.result()).setErrno(m.errno() == null ? "" : m.errno().name());
      if (m.file() != null) {
        b.setFile(WireTypes.fd(m.file()));
      }
      if (m.found() != null) {
        b.setFound(io.leasecr.proto.wire.FoundLock.newBuilder().setPid(m.found().pid()).setType(m.found().type().value)
            .setStart(m.found().start()).setEnd(m.found().end()).setOfd(m.found().ofd()));
      }
      return b.build();
    } else if (o instanceof ProcessActor.StepDone m) {
      return io.leasecr.proto.wire.StepDone.newBuilder().setPid(m.pid()).setStep(m.step()).setCall(m.call())
          .setResult(m.result()).setErrno(m.errno() == null ? "" : m.errno().name()).build();
    } else if (o instanceof ProcessTable.Spawn m) {
      return io.leasecr.proto.wire.Spawn.newBuilder().setSpec(WireTypes.spec(m.spec())).build();
    } else if (o instanceof ProcessTable.Forked m) {
      io.leasecr.proto.wire.Forked.Builder b = io.leasecr.proto.wire.Forked.newBuilder().setChild(WireTypes.spec(m.child()));
      m.fds().forEach((fd, entry) -> b.putFds(fd, WireTypes.fd(entry)));
      if (m.leaseFds() != null) {
        b.addAllLeaseFds(m.leaseFds());
      }
      return b.setBlockedSignals(m.blockedSignals()).build();
    } else if (o instanceof ProcessTable.Deliver m) {
      return io.leasecr.proto.wire.Deliver.newBuilder().setPid(m.pid())
          .setCommand(ByteString.copyFrom(serializer.toBinary(m.command())))
          .setCommandManifest(serializer.manifest(m.command())).build();
    } else if (o instanceof ProcessTable.Exited m) {
      return io.leasecr.proto.wire.Exited.newBuilder().setPid(m.pid()).build();
    } else if (o instanceof LockManager.FromNode m) {
      return fromNode(m.origin(), m.command(), false);
    } else if (o instanceof ProcessTable.FromNode m) {
      return fromNode(m.origin(), m.command(), true);
    }
    throw new IllegalArgumentException("not a wire message: " + o.getClass().getName());
  }

  private String ref(ActorRef<?> ref) {
    return refs.toSerializationFormat(ref);
  }

  private io.leasecr.proto.wire.FromNode fromNode(io.leasecr.core.kernel.NodeIncarnation origin, Object command,
      boolean processTable) {
    return io.leasecr.proto.wire.FromNode.newBuilder().setNode(origin.node()).setAddress(origin.address())
        .setUid(origin.uid()).setCommand(ByteString.copyFrom(serializer.toBinary(command)))
        .setCommandManifest(serializer.manifest(command)).setProcessTable(processTable).build();
  }






  // ------------------------------------------------------------------ from protobuf

  Object fromProto(MessageLite p) throws NotSerializableException {
    Object c = checkpoint.fromProto(p);
    if (c != null) {
      return c;
    }
    if (p instanceof io.leasecr.proto.wire.Open m) {
      return new LockManager.Open(m.getPid(), m.getReqId(), m.getPath(), WireTypes.mode(m.getMode()), m.getNonblock(),
          m.getTrunc(), ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.Truncate m) {
      return new LockManager.Truncate(m.getPid(), m.getReqId(), m.getPath(), ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.SetLease m) {
      return new LockManager.SetLease(m.getPid(), m.getReqId(), m.getFd(), m.getIno(), m.getFileId(), m.getArg(),
          m.getFsuid(), m.getCapLease(), m.getRestartReq(), ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.GetLease m) {
      return new LockManager.GetLease(m.getPid(), m.getReqId(), m.getIno(), m.getFileId(), ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.SetSig m) {
      return new LockManager.SetSig(m.getPid(), m.getReqId(), m.getIno(), m.getFileId(), m.getSig(), ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.FileRef m) {
      return m.getPut() ? new LockManager.Put(m.getPid(), m.getIno(), m.getFileId())
          : new LockManager.Get(m.getIno(), m.getFileId());
    } else if (p instanceof io.leasecr.proto.wire.Close m) {
      return new LockManager.Close(m.getPid(), m.getReqId(), m.getIno(), m.getFileId(), ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.RecordLock m) {
      if (m.getCmd() == io.leasecr.proto.wire.RecordLockCmd.UNRECOGNIZED) {
        throw new NotSerializableException("unknown record lock command");
      }
      return new LockManager.RecordLock(m.getPid(), m.getReqId(), m.getIno(), m.getFileId(),
          Syscall.RecordLock.Cmd.valueOf(m.getCmd().name()), m.getType(), m.getStart(), m.getLen(), m.getLPid(),
          ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.Flock m) {
      return new LockManager.Flock(m.getPid(), m.getReqId(), m.getIno(), m.getFileId(), m.getOp(), ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.Interrupt m) {
      return new LockManager.Interrupt(m.getPid(), m.getReqId(), m.getPath(), ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.Reenter m) {
      return new LockManager.Reenter(m.getPid(), m.getReqId(), m.getPath());
    } else if (p instanceof io.leasecr.proto.wire.Recheck m) {
      return new LockManager.Recheck(m.getPid(), m.getReqId(), m.getPath().isEmpty() ? null : m.getPath(), m.getIno(),
          ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.ProcessExited m) {
      return new LockManager.ProcessExited(m.getPid());
    } else if (p instanceof io.leasecr.proto.wire.SetSysctl m) {
      return new LockManager.SetSysctl(m.getName(), m.getValue());
    } else if (p instanceof io.leasecr.proto.wire.ClockControl m) {
      return switch (m.getOp()) {
        case FREEZE -> new io.leasecr.core.time.ClockKeeper.Freeze(ref(m.getReplyTo()));
        case THAW -> new io.leasecr.core.time.ClockKeeper.Thaw(m.getAtMs(), ref(m.getReplyTo()));
        default -> throw new NotSerializableException("unknown clock operation " + m.getOpValue());
      };
    } else if (p instanceof io.leasecr.proto.wire.ClockState m) {
      return new io.leasecr.core.time.ClockKeeper.State(m.getNode(), m.getAtMs(), m.getFrozen());
    } else if (p instanceof io.leasecr.proto.wire.ShowLocks m) {
      return new LockManager.ShowLocks(ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.LocksReport m) {
      return new LockManager.LocksReport(List.copyOf(m.getLinesList()));
    } else if (p instanceof io.leasecr.proto.wire.Run m) {
      return new ProcessActor.Run(WireTypes.syscall(m.getCall()), m.getStep(), m.getReplyTo().isEmpty() ? null : ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.Signal m) {
      return new ProcessActor.Signal(m.getSigno(), m.getSiCode(), m.getSiFd());
    } else if (p instanceof io.leasecr.proto.wire.Blocked m) {
      return new ProcessActor.Blocked(m.getReqId());
    } else if (p instanceof io.leasecr.proto.wire.KernelReply m) {
      io.leasecr.core.locks.PosixLock found = null;
      if (m.hasFound()) {
        io.leasecr.core.locks.LeaseType type = io.leasecr.core.locks.LeaseType.ofValue(m.getFound().getType());
        if (type == null) {
          throw new java.io.NotSerializableException("unknown lock type " + m.getFound().getType());
        }
        found = new io.leasecr.core.locks.PosixLock(m.getFound().getPid(), type, m.getFound().getStart(),
            m.getFound().getEnd(), m.getFound().getOfd());
      }
      return new ProcessActor.KernelReply(m.getReqId(), m.getResult(), WireTypes.errno(m.getErrno()),
          m.hasFile() ? WireTypes.fd(m.getFile()) : null, found);
    } else if (p instanceof io.leasecr.proto.wire.StepDone m) {
      return new ProcessActor.StepDone(m.getPid(), m.getStep(), m.getCall(), m.getResult(), WireTypes.errno(m.getErrno()));
    } else if (p instanceof io.leasecr.proto.wire.Spawn m) {
      return new ProcessTable.Spawn(WireTypes.spec(m.getSpec()));
    } else if (p instanceof io.leasecr.proto.wire.Forked m) {
      TreeMap<Integer, Fd> fds = new TreeMap<>();
      for (Map.Entry<Integer, FdEntry> e : m.getFdsMap().entrySet()) {
        fds.put(e.getKey(), WireTypes.fd(e.getValue()));
      }
      return new ProcessTable.Forked(WireTypes.spec(m.getChild()), fds,
          m.getLeaseFdsCount() == 0 ? null : new TreeSet<>(m.getLeaseFdsList()), m.getBlockedSignals());
    } else if (p instanceof io.leasecr.proto.wire.Deliver m) {
      Object inner = serializer.fromBinary(m.getCommand().toByteArray(), m.getCommandManifest());
      if (!(inner instanceof ProcessActor.Command command)) {
        throw new NotSerializableException("Deliver carries a " + m.getCommandManifest() + ", not a process command");
      }
      return new ProcessTable.Deliver(m.getPid(), command);
    } else if (p instanceof io.leasecr.proto.wire.Exited m) {
      return new ProcessTable.Exited(m.getPid());
    } else if (p instanceof io.leasecr.proto.wire.FromNode m) {
      io.leasecr.core.kernel.NodeIncarnation origin =
          new io.leasecr.core.kernel.NodeIncarnation(m.getNode(), m.getAddress(), m.getUid());
      Object inner = serializer.fromBinary(m.getCommand().toByteArray(), m.getCommandManifest());
      if (m.getProcessTable() && inner instanceof ProcessTable.Command command) {
        return new ProcessTable.FromNode(origin, command);
      } else if (!m.getProcessTable() && inner instanceof LockManager.Command command) {
        return new LockManager.FromNode(origin, command);
      }
      throw new NotSerializableException("FromNode carries a " + m.getCommandManifest() + ", not a "
          + (m.getProcessTable() ? "process-table" : "LockManager") + " command");
    }
    throw new NotSerializableException("not a wire message: " + p.getClass().getName());
  }

  private <T> ActorRef<T> ref(String s) {
    return refs.resolveActorRef(s);
  }






}
