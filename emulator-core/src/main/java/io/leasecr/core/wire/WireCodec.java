package io.leasecr.core.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.leasecr.core.kernel.LockManager;
import io.leasecr.core.kernel.ProcessTable;
import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.Credentials;
import io.leasecr.core.locks.Errno;
import io.leasecr.core.process.Disposition;
import io.leasecr.core.process.Fd;
import io.leasecr.core.process.ProcessActor;
import io.leasecr.core.process.ProcessSpec;
import io.leasecr.core.process.Reaction;
import io.leasecr.core.process.Syscall;
import io.leasecr.proto.wire.FdEntry;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.HashMap;
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

  WireCodec(ExtendedActorSystem system, WireSerializer serializer) {
    this.refs = ActorRefResolver.get(Adapter.toTyped(system));
    this.serializer = serializer;
  }

  // ------------------------------------------------------------------ to protobuf

  MessageLite toProto(Object o) {
    if (o instanceof LockManager.Open m) {
      return io.leasecr.proto.wire.Open.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setPath(m.path())
          .setMode(mode(m.mode())).setNonblock(m.nonblock()).setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.Truncate m) {
      return io.leasecr.proto.wire.Truncate.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setPath(m.path())
          .setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.SetLease m) {
      return io.leasecr.proto.wire.SetLease.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setFd(m.fd())
          .setIno(m.ino()).setFileId(m.fileId()).setArg(m.arg()).setFsuid(m.fsuid()).setCapLease(m.capLease())
          .setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.GetLease m) {
      return io.leasecr.proto.wire.GetLease.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setIno(m.ino())
          .setFileId(m.fileId()).setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.SetSig m) {
      return io.leasecr.proto.wire.SetSig.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setIno(m.ino())
          .setFileId(m.fileId()).setSig(m.sig()).setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.Get m) {
      return io.leasecr.proto.wire.FileRef.newBuilder().setIno(m.ino()).setFileId(m.fileId()).build();
    } else if (o instanceof LockManager.Put m) {
      return io.leasecr.proto.wire.FileRef.newBuilder().setIno(m.ino()).setFileId(m.fileId()).setPut(true).build();
    } else if (o instanceof LockManager.Interrupt m) {
      return io.leasecr.proto.wire.Interrupt.newBuilder().setPid(m.pid()).setReqId(m.reqId()).setPath(m.path())
          .setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.ProcessExited m) {
      return io.leasecr.proto.wire.ProcessExited.newBuilder().setPid(m.pid()).build();
    } else if (o instanceof LockManager.SetSysctl m) {
      return io.leasecr.proto.wire.SetSysctl.newBuilder().setName(m.name()).setValue(m.value()).build();
    } else if (o instanceof LockManager.ShowLocks m) {
      return io.leasecr.proto.wire.ShowLocks.newBuilder().setReplyTo(ref(m.replyTo())).build();
    } else if (o instanceof LockManager.LocksReport m) {
      return io.leasecr.proto.wire.LocksReport.newBuilder().addAllLines(m.lines()).build();
    } else if (o instanceof ProcessActor.Run m) {
      return io.leasecr.proto.wire.Run.newBuilder().setCall(syscall(m.call())).setStep(m.step())
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
        b.setFile(fd(m.file()));
      }
      return b.build();
    } else if (o instanceof ProcessActor.StepDone m) {
      return io.leasecr.proto.wire.StepDone.newBuilder().setPid(m.pid()).setStep(m.step()).setCall(m.call())
          .setResult(m.result()).setErrno(m.errno() == null ? "" : m.errno().name()).build();
    } else if (o instanceof ProcessTable.Spawn m) {
      return io.leasecr.proto.wire.Spawn.newBuilder().setSpec(spec(m.spec())).build();
    } else if (o instanceof ProcessTable.Forked m) {
      io.leasecr.proto.wire.Forked.Builder b = io.leasecr.proto.wire.Forked.newBuilder().setChild(spec(m.child()));
      m.fds().forEach((fd, entry) -> b.putFds(fd, fd(entry)));
      if (m.leaseFds() != null) {
        b.addAllLeaseFds(m.leaseFds());
      }
      return b.build();
    } else if (o instanceof ProcessTable.Deliver m) {
      return io.leasecr.proto.wire.Deliver.newBuilder().setPid(m.pid())
          .setCommand(ByteString.copyFrom(serializer.toBinary(m.command())))
          .setCommandManifest(serializer.manifest(m.command())).build();
    } else if (o instanceof ProcessTable.Exited m) {
      return io.leasecr.proto.wire.Exited.newBuilder().setPid(m.pid()).build();
    }
    throw new IllegalArgumentException("not a wire message: " + o.getClass().getName());
  }

  private String ref(ActorRef<?> ref) {
    return refs.toSerializationFormat(ref);
  }

  private static io.leasecr.proto.wire.AccessMode mode(AccessMode m) {
    return io.leasecr.proto.wire.AccessMode.valueOf(m.name());
  }

  private static FdEntry fd(Fd f) {
    return FdEntry.newBuilder().setIno(f.ino()).setFileId(f.fileId()).setPath(f.path()).setMode(mode(f.mode()))
        .setNonblock(f.nonblock()).build();
  }

  private static io.leasecr.proto.wire.Disposition disposition(Disposition d) {
    return io.leasecr.proto.wire.Disposition.newBuilder()
        .setKind(io.leasecr.proto.wire.Disposition.Kind.valueOf(d.kind().name())).setSaRestart(d.saRestart()).build();
  }

  private static io.leasecr.proto.wire.ProcessSpec spec(ProcessSpec s) {
    io.leasecr.proto.wire.ProcessSpec.Builder b = io.leasecr.proto.wire.ProcessSpec.newBuilder()
        .setPid(s.pid()).setPpid(s.ppid()).setName(s.name()).setFsuid(s.cred().fsuid())
        .setCapLease(s.cred().capLease()).setSeed(s.seed());
    s.dispositions().forEach((signo, d) -> b.putDispositions(signo, disposition(d)));
    for (Reaction r : s.reactions()) {
      b.addReactions(io.leasecr.proto.wire.Reaction.newBuilder().setSigno(r.signo())
          .setAction(io.leasecr.proto.wire.Reaction.Action.valueOf(r.action().name())).setDelayMs(r.delayMs())
          .setJitterMs(r.jitterMs()).setFd(r.fd()));
    }
    return b.build();
  }

  private static io.leasecr.proto.wire.Syscall syscall(Syscall call) {
    io.leasecr.proto.wire.Syscall.Builder b = io.leasecr.proto.wire.Syscall.newBuilder();
    if (call instanceof Syscall.Open o) {
      b.setOpen(io.leasecr.proto.wire.Syscall.Open.newBuilder().setPath(o.path()).setMode(mode(o.mode()))
          .setNonblock(o.nonblock()).setTrunc(o.trunc()));
    } else if (call instanceof Syscall.Close c) {
      b.setCloseFd(c.fd());
    } else if (call instanceof Syscall.Dup d) {
      b.setDupFd(d.fd());
    } else if (call instanceof Syscall.Truncate t) {
      b.setTruncatePath(t.path());
    } else if (call instanceof Syscall.Fcntl f) {
      b.setFcntl(io.leasecr.proto.wire.Syscall.Fcntl.newBuilder().setFd(f.fd())
          .setCmd(io.leasecr.proto.wire.Syscall.Fcntl.Cmd.valueOf(f.cmd().name())).setArg(f.arg()));
    } else if (call instanceof Syscall.Fork f) {
      b.setFork(io.leasecr.proto.wire.Syscall.Fork.newBuilder().setChildPid(f.childPid()).setChildName(f.childName()));
    } else if (call instanceof Syscall.Exit e) {
      b.setExitStatus(e.status());
    } else if (call instanceof Syscall.Sigaction s) {
      b.setSigaction(io.leasecr.proto.wire.Syscall.Sigaction.newBuilder().setSigno(s.signo())
          .setDisposition(disposition(s.disposition())));
    }
    return b.build();
  }

  // ------------------------------------------------------------------ from protobuf

  Object fromProto(MessageLite p) throws NotSerializableException {
    if (p instanceof io.leasecr.proto.wire.Open m) {
      return new LockManager.Open(m.getPid(), m.getReqId(), m.getPath(), mode(m.getMode()), m.getNonblock(),
          ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.Truncate m) {
      return new LockManager.Truncate(m.getPid(), m.getReqId(), m.getPath(), ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.SetLease m) {
      return new LockManager.SetLease(m.getPid(), m.getReqId(), m.getFd(), m.getIno(), m.getFileId(), m.getArg(),
          m.getFsuid(), m.getCapLease(), ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.GetLease m) {
      return new LockManager.GetLease(m.getPid(), m.getReqId(), m.getIno(), m.getFileId(), ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.SetSig m) {
      return new LockManager.SetSig(m.getPid(), m.getReqId(), m.getIno(), m.getFileId(), m.getSig(), ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.FileRef m) {
      return m.getPut() ? new LockManager.Put(m.getIno(), m.getFileId()) : new LockManager.Get(m.getIno(), m.getFileId());
    } else if (p instanceof io.leasecr.proto.wire.Interrupt m) {
      return new LockManager.Interrupt(m.getPid(), m.getReqId(), m.getPath(), ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.ProcessExited m) {
      return new LockManager.ProcessExited(m.getPid());
    } else if (p instanceof io.leasecr.proto.wire.SetSysctl m) {
      return new LockManager.SetSysctl(m.getName(), m.getValue());
    } else if (p instanceof io.leasecr.proto.wire.ShowLocks m) {
      return new LockManager.ShowLocks(ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.LocksReport m) {
      return new LockManager.LocksReport(List.copyOf(m.getLinesList()));
    } else if (p instanceof io.leasecr.proto.wire.Run m) {
      return new ProcessActor.Run(syscall(m.getCall()), m.getStep(), m.getReplyTo().isEmpty() ? null : ref(m.getReplyTo()));
    } else if (p instanceof io.leasecr.proto.wire.Signal m) {
      return new ProcessActor.Signal(m.getSigno(), m.getSiCode(), m.getSiFd());
    } else if (p instanceof io.leasecr.proto.wire.Blocked m) {
      return new ProcessActor.Blocked(m.getReqId());
    } else if (p instanceof io.leasecr.proto.wire.KernelReply m) {
      return new ProcessActor.KernelReply(m.getReqId(), m.getResult(), errno(m.getErrno()),
          m.hasFile() ? fd(m.getFile()) : null);
    } else if (p instanceof io.leasecr.proto.wire.StepDone m) {
      return new ProcessActor.StepDone(m.getPid(), m.getStep(), m.getCall(), m.getResult(), errno(m.getErrno()));
    } else if (p instanceof io.leasecr.proto.wire.Spawn m) {
      return new ProcessTable.Spawn(spec(m.getSpec()));
    } else if (p instanceof io.leasecr.proto.wire.Forked m) {
      TreeMap<Integer, Fd> fds = new TreeMap<>();
      for (Map.Entry<Integer, FdEntry> e : m.getFdsMap().entrySet()) {
        fds.put(e.getKey(), fd(e.getValue()));
      }
      return new ProcessTable.Forked(spec(m.getChild()), fds,
          m.getLeaseFdsCount() == 0 ? null : new TreeSet<>(m.getLeaseFdsList()));
    } else if (p instanceof io.leasecr.proto.wire.Deliver m) {
      Object inner = serializer.fromBinary(m.getCommand().toByteArray(), m.getCommandManifest());
      if (!(inner instanceof ProcessActor.Command command)) {
        throw new NotSerializableException("Deliver carries a " + m.getCommandManifest() + ", not a process command");
      }
      return new ProcessTable.Deliver(m.getPid(), command);
    } else if (p instanceof io.leasecr.proto.wire.Exited m) {
      return new ProcessTable.Exited(m.getPid());
    }
    throw new NotSerializableException("not a wire message: " + p.getClass().getName());
  }

  private <T> ActorRef<T> ref(String s) {
    return refs.resolveActorRef(s);
  }

  private static AccessMode mode(io.leasecr.proto.wire.AccessMode m) throws NotSerializableException {
    if (m == io.leasecr.proto.wire.AccessMode.UNRECOGNIZED) {
      throw new NotSerializableException("unknown access mode");
    }
    return AccessMode.valueOf(m.name());
  }

  private static Errno errno(String name) throws NotSerializableException {
    if (name.isEmpty()) {
      return null;
    }
    try {
      return Errno.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new NotSerializableException("unknown errno '" + name + "'");
    }
  }

  private static Fd fd(FdEntry f) throws NotSerializableException {
    return new Fd(f.getIno(), f.getFileId(), f.getPath(), mode(f.getMode()), f.getNonblock());
  }

  private static Disposition disposition(io.leasecr.proto.wire.Disposition d) throws NotSerializableException {
    if (d.getKind() == io.leasecr.proto.wire.Disposition.Kind.UNRECOGNIZED) {
      throw new NotSerializableException("unknown signal disposition");
    }
    return new Disposition(Disposition.Kind.valueOf(d.getKind().name()), d.getSaRestart());
  }

  private static ProcessSpec spec(io.leasecr.proto.wire.ProcessSpec s) throws NotSerializableException {
    Map<Integer, Disposition> dispositions = new HashMap<>();
    for (Map.Entry<Integer, io.leasecr.proto.wire.Disposition> e : s.getDispositionsMap().entrySet()) {
      dispositions.put(e.getKey(), disposition(e.getValue()));
    }
    List<Reaction> reactions = new ArrayList<>();
    for (io.leasecr.proto.wire.Reaction r : s.getReactionsList()) {
      if (r.getAction() == io.leasecr.proto.wire.Reaction.Action.UNRECOGNIZED) {
        throw new NotSerializableException("unknown reaction");
      }
      reactions.add(new Reaction(r.getSigno(), Reaction.Action.valueOf(r.getAction().name()), r.getDelayMs(),
          r.getJitterMs(), r.getFd()));
    }
    return new ProcessSpec(s.getPid(), s.getPpid(), s.getName(), new Credentials(s.getFsuid(), s.getCapLease()),
        dispositions, reactions, s.getSeed());
  }

  private static Syscall syscall(io.leasecr.proto.wire.Syscall c) throws NotSerializableException {
    return switch (c.getCallCase()) {
      case OPEN -> new Syscall.Open(c.getOpen().getPath(), mode(c.getOpen().getMode()), c.getOpen().getNonblock(),
          c.getOpen().getTrunc());
      case CLOSE_FD -> new Syscall.Close(c.getCloseFd());
      case DUP_FD -> new Syscall.Dup(c.getDupFd());
      case TRUNCATE_PATH -> new Syscall.Truncate(c.getTruncatePath());
      case FCNTL -> {
        if (c.getFcntl().getCmd() == io.leasecr.proto.wire.Syscall.Fcntl.Cmd.UNRECOGNIZED) {
          throw new NotSerializableException("unknown fcntl command");
        }
        yield new Syscall.Fcntl(c.getFcntl().getFd(), Syscall.Fcntl.Cmd.valueOf(c.getFcntl().getCmd().name()),
            c.getFcntl().getArg());
      }
      case FORK -> new Syscall.Fork(c.getFork().getChildPid(), c.getFork().getChildName());
      case EXIT_STATUS -> new Syscall.Exit(c.getExitStatus());
      case SIGACTION -> new Syscall.Sigaction(c.getSigaction().getSigno(), disposition(c.getSigaction().getDisposition()));
      case CALL_NOT_SET -> throw new NotSerializableException("Run without a syscall");
    };
  }
}
