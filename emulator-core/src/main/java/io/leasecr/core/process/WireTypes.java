package io.leasecr.core.process;

import io.leasecr.core.locks.AccessMode;
import io.leasecr.core.locks.Credentials;
import io.leasecr.core.locks.Errno;
import io.leasecr.proto.wire.FdEntry;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Conversions of the shared value types (access modes, syscalls, specs...) between records and protobuf. */
public final class WireTypes {

  private WireTypes() {}

  public static io.leasecr.proto.wire.AccessMode mode(AccessMode m) {
    return io.leasecr.proto.wire.AccessMode.valueOf(m.name());
  }

  public static FdEntry fd(Fd f) {
    return FdEntry.newBuilder().setIno(f.ino()).setFileId(f.fileId()).setPath(f.path()).setMode(mode(f.mode()))
        .setNonblock(f.nonblock()).setNotRegular(!f.regular()).setCloexec(f.cloexec()).build();
  }

  public static io.leasecr.proto.wire.Disposition disposition(Disposition d) {
    return io.leasecr.proto.wire.Disposition.newBuilder()
        .setKind(io.leasecr.proto.wire.Disposition.Kind.valueOf(d.kind().name())).setSaRestart(d.saRestart()).build();
  }

  public static io.leasecr.proto.wire.ProcessSpec spec(ProcessSpec s) {
    io.leasecr.proto.wire.ProcessSpec.Builder b = io.leasecr.proto.wire.ProcessSpec.newBuilder()
        .setPid(s.pid()).setPpid(s.ppid()).setName(s.name()).setFsuid(s.cred().fsuid())
        .setCapLease(s.cred().capLease()).setSeed(s.seed());
    s.dispositions().forEach((signo, d) -> b.putDispositions(signo, disposition(d)));
    for (Reaction r : s.reactions()) {
      b.addReactions(reaction(r));
    }
    return b.build();
  }

  public static io.leasecr.proto.wire.Syscall syscall(Syscall call) {
    io.leasecr.proto.wire.Syscall.Builder b = io.leasecr.proto.wire.Syscall.newBuilder();
    if (call instanceof Syscall.Open o) {
      b.setOpen(io.leasecr.proto.wire.Syscall.Open.newBuilder().setPath(o.path()).setMode(mode(o.mode()))
          .setNonblock(o.nonblock()).setTrunc(o.trunc()).setCloexec(o.cloexec()));
    } else if (call instanceof Syscall.Close c) {
      b.setCloseFd(c.fd());
    } else if (call instanceof Syscall.Dup d) {
      b.setDupFd(d.fd());
    } else if (call instanceof Syscall.Truncate t) {
      b.setTruncatePath(t.path());
    } else if (call instanceof Syscall.Ftruncate f) {
      b.setFtruncateFd(f.fd());
    } else if (call instanceof Syscall.Fcntl f) {
      b.setFcntl(io.leasecr.proto.wire.Syscall.Fcntl.newBuilder().setFd(f.fd())
          .setCmd(io.leasecr.proto.wire.Syscall.Fcntl.Cmd.valueOf(f.cmd().name())).setArg(f.arg()));
    } else if (call instanceof Syscall.Fork f) {
      b.setFork(io.leasecr.proto.wire.Syscall.Fork.newBuilder().setChildPid(f.childPid()).setChildName(f.childName()));
    } else if (call instanceof Syscall.Exit e) {
      b.setExitStatus(e.status());
    } else if (call instanceof Syscall.RecordLock r) {
      b.setRecordLock(io.leasecr.proto.wire.Syscall.Lock.newBuilder().setFd(r.fd())
          .setCmd(io.leasecr.proto.wire.RecordLockCmd.valueOf(r.cmd().name())).setType(r.type()).setStart(r.start())
          .setLen(r.len()).setLPid(r.lPid()));
    } else if (call instanceof Syscall.Flock f) {
      b.setFlock(io.leasecr.proto.wire.Syscall.Flock.newBuilder().setFd(f.fd()).setOp(f.op()));
    } else if (call instanceof Syscall.FdOp f) {
      b.setFdOp(io.leasecr.proto.wire.Syscall.FdOp.newBuilder().setFd(f.fd()).setArg(f.arg()).setFlags(f.flags())
          .setOp(io.leasecr.proto.wire.Syscall.FdOp.Op.valueOf(f.op().name())));
    } else if (call instanceof Syscall.Execve) {
      b.setExecve(true);
    } else if (call instanceof Syscall.Sigprocmask m) {
      b.setSigprocmask(io.leasecr.proto.wire.Syscall.Sigprocmask.newBuilder().setHow(m.how().ordinal()).setSet(m.set()));
    } else if (call instanceof Syscall.Sigwait w) {
      b.setSigwait(io.leasecr.proto.wire.Syscall.Sigwait.newBuilder().setSet(w.set()).setTimeoutMs(w.timeoutMs()));
    } else if (call instanceof Syscall.Sigaction s) {
      b.setSigaction(io.leasecr.proto.wire.Syscall.Sigaction.newBuilder().setSigno(s.signo())
          .setDisposition(disposition(s.disposition())));
    }
    return b.build();
  }

  public static AccessMode mode(io.leasecr.proto.wire.AccessMode m) throws NotSerializableException {
    if (m == io.leasecr.proto.wire.AccessMode.UNRECOGNIZED) {
      throw new NotSerializableException("unknown access mode");
    }
    return AccessMode.valueOf(m.name());
  }

  public static Errno errno(String name) throws NotSerializableException {
    if (name.isEmpty()) {
      return null;
    }
    try {
      return Errno.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new NotSerializableException("unknown errno '" + name + "'");
    }
  }

  public static Fd fd(FdEntry f) throws NotSerializableException {
    return new Fd(f.getIno(), f.getFileId(), f.getPath(), mode(f.getMode()), f.getNonblock(), !f.getNotRegular(),
        f.getCloexec());
  }

  public static Disposition disposition(io.leasecr.proto.wire.Disposition d) throws NotSerializableException {
    if (d.getKind() == io.leasecr.proto.wire.Disposition.Kind.UNRECOGNIZED) {
      throw new NotSerializableException("unknown signal disposition");
    }
    return new Disposition(Disposition.Kind.valueOf(d.getKind().name()), d.getSaRestart());
  }

  public static ProcessSpec spec(io.leasecr.proto.wire.ProcessSpec s) throws NotSerializableException {
    // a restore reads a million of these: no map or list views for the empty ones most processes have
    Map<Integer, Disposition> dispositions = s.getDispositionsCount() == 0 ? Map.of() : new HashMap<>();
    if (s.getDispositionsCount() > 0) {
      for (Map.Entry<Integer, io.leasecr.proto.wire.Disposition> e : s.getDispositionsMap().entrySet()) {
        dispositions.put(e.getKey(), disposition(e.getValue()));
      }
    }
    List<Reaction> reactions = s.getReactionsCount() == 0 ? List.of() : new ArrayList<>();
    for (io.leasecr.proto.wire.Reaction r : s.getReactionsList()) {
      reactions.add(reaction(r));
    }
    return new ProcessSpec(s.getPid(), s.getPpid(), s.getName(), new Credentials(s.getFsuid(), s.getCapLease()),
        dispositions, reactions, s.getSeed());
  }

  public static Syscall syscall(io.leasecr.proto.wire.Syscall c) throws NotSerializableException {
    return switch (c.getCallCase()) {
      case OPEN -> new Syscall.Open(c.getOpen().getPath(), mode(c.getOpen().getMode()), c.getOpen().getNonblock(),
          c.getOpen().getTrunc(), c.getOpen().getCloexec());
      case CLOSE_FD -> new Syscall.Close(c.getCloseFd());
      case DUP_FD -> new Syscall.Dup(c.getDupFd());
      case TRUNCATE_PATH -> new Syscall.Truncate(c.getTruncatePath());
      case FTRUNCATE_FD -> new Syscall.Ftruncate(c.getFtruncateFd());
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
      case RECORD_LOCK -> {
        io.leasecr.proto.wire.Syscall.Lock l = c.getRecordLock();
        if (l.getCmd() == io.leasecr.proto.wire.RecordLockCmd.UNRECOGNIZED) {
          throw new NotSerializableException("unknown record lock command");
        }
        yield new Syscall.RecordLock(l.getFd(), Syscall.RecordLock.Cmd.valueOf(l.getCmd().name()), l.getType(),
            l.getStart(), l.getLen(), l.getLPid());
      }
      case FLOCK -> new Syscall.Flock(c.getFlock().getFd(), c.getFlock().getOp());
      case FD_OP -> {
        io.leasecr.proto.wire.Syscall.FdOp f = c.getFdOp();
        if (f.getOp() == io.leasecr.proto.wire.Syscall.FdOp.Op.UNRECOGNIZED) {
          throw new NotSerializableException("unknown fd operation");
        }
        yield new Syscall.FdOp(Syscall.FdOp.Op.valueOf(f.getOp().name()), f.getFd(), f.getArg(), f.getFlags());
      }
      case EXECVE -> new Syscall.Execve();
      case SIGPROCMASK -> {
        int how = c.getSigprocmask().getHow();
        if (how < 0 || how >= Syscall.Sigprocmask.How.values().length) {
          throw new NotSerializableException("unknown sigprocmask how " + how);
        }
        yield new Syscall.Sigprocmask(Syscall.Sigprocmask.How.values()[how], c.getSigprocmask().getSet());
      }
      case SIGWAIT -> new Syscall.Sigwait(c.getSigwait().getSet(), c.getSigwait().getTimeoutMs());
      case CALL_NOT_SET -> throw new NotSerializableException("Run without a syscall");
    };
  }

  public static io.leasecr.proto.wire.Reaction reaction(Reaction r) {
    return io.leasecr.proto.wire.Reaction.newBuilder().setSigno(r.signo())
        .setAction(io.leasecr.proto.wire.Reaction.Action.valueOf(r.action().name())).setDelayMs(r.delayMs())
        .setJitterMs(r.jitterMs()).setFd(r.fd()).build();
  }

  public static Reaction reaction(io.leasecr.proto.wire.Reaction r) throws NotSerializableException {
    if (r.getAction() == io.leasecr.proto.wire.Reaction.Action.UNRECOGNIZED) {
      throw new NotSerializableException("unknown reaction");
    }
    return new Reaction(r.getSigno(), Reaction.Action.valueOf(r.getAction().name()), r.getDelayMs(), r.getJitterMs(),
        r.getFd());
  }
}
