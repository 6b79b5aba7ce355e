package io.leasecr.node.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.leasecr.core.checkpoint.CheckpointCoordinator;
import io.leasecr.core.checkpoint.ImageFiles;
import io.leasecr.core.input.Durations;
import io.leasecr.core.input.Names;
import io.leasecr.node.journal.JournalClient;
import io.leasecr.proto.image.CheckpointImage;
import io.leasecr.proto.image.Lease;
import io.leasecr.proto.image.OpenFile;
import io.leasecr.proto.image.PendingReaction;
import io.leasecr.proto.image.Process;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * {@code emulator image show|edit}: the checkpoint image tool, like CRIU's crit. Editing the time a
 * breaking lease has left is the tool the seed asks for.
 */
final class ImageCommand {

  private ImageCommand() {}

  static int run(String[] args) {
    if (args.length == 0) {
      throw new Main.UsageException("image needs a subcommand: show, edit, export or import");
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    return switch (args[0]) {
      case "show" -> show(rest);
      case "edit" -> edit(rest);
      case "export" -> export(rest);
      case "import" -> importImage(rest);
      default -> throw new Main.UsageException("unknown image subcommand '" + args[0] + "' (show, edit, export, import)");
    };
  }

  /** The image named on the command line, or null (the problem printed) if it is not a usable image. */
  private static CheckpointImage load(Options o) {
    if (o.positional.size() != 1) {
      throw new Main.UsageException("give exactly one image file");
    }
    CheckpointImage image;
    try {
      Path path = Path.of(o.positional.get(0));
      ImageFiles.Loaded loaded = ImageFiles.load(path);
      if (loaded.headerless()) {
        System.err.println("emulator: note: " + loaded.note(path));
      }
      image = loaded.image();
    } catch (ImageFiles.BadImage e) {
      System.err.println("emulator: " + e.getMessage());
      return null;
    }
    // the same check a restart makes: show and edit refuse what restart would refuse
    String bad = io.leasecr.core.checkpoint.ImageCodec.invalid(image);
    if (bad != null) {
      System.err.println("emulator: " + o.positional.get(0) + ": checkpoint " + image.getId()
          + " cannot be restored: " + bad);
      return null;
    }
    return image;
  }

  private static int show(String[] args) {
    Options o = Options.parse(args, Set.of(), Set.of("--json"));
    CheckpointImage image = load(o);
    if (image == null) {
      return Main.BAD_INPUT;
    }
    if (o.has("--json")) {
      try {
        System.out.println(JsonFormat.printer().print(image));
      } catch (InvalidProtocolBufferException e) {
        System.err.println("emulator: cannot print as JSON: " + e.getMessage());
        return Main.FAILED;
      }
      return Main.OK;
    }
    System.out.print(text(image));
    return Main.OK;
  }

  static String text(CheckpointImage image) {
    StringBuilder b = new StringBuilder();
    b.append(String.format("checkpoint %s of %s, taken at %.3f s; lease-break-time %d s, leases-enable %d%n",
        image.getId(), image.getScenario(), image.getTakenAtMs() / 1000.0, image.getLeaseBreakTime(),
        image.getLeasesEnable() ? 1 : 0));
    b.append("processes:\n");
    for (Process p : image.getProcessesList()) {
      b.append(String.format("  %s[%d] ppid %d uid %d  fds %s%n", p.getSpec().getName(), p.getSpec().getPid(),
          p.getSpec().getPpid(), p.getSpec().getFsuid(), p.getFdsMap()));
      if (p.hasPending()) {
        b.append(String.format("    in %s%s since %.3f s (step %d): retried after restart (-ERESTARTSYS)%n",
            p.getPending().getCall().getCallCase().name().toLowerCase(), p.getPending().getBlocked() ? ", blocked" : "",
            p.getPending().getStartedAtMs() / 1000.0, p.getPending().getStep()));
      }
      for (PendingReaction r : p.getReactionsList()) {
        b.append(String.format("    handler for signal %d will %s in %.3f s%n", r.getReaction().getSigno(),
            r.getReaction().getAction().name().toLowerCase(), r.getRemainingMs() / 1000.0));
      }
    }
    b.append("open files:\n");
    for (OpenFile f : image.getFilesList()) {
      b.append(String.format("  #%d %s (ino %d) %s%s owner %d%n", f.getId(), f.getPath(), f.getIno(), f.getMode(),
          f.getNonblock() ? "|O_NONBLOCK" : "", f.getOwnerPid()));
    }
    b.append("leases:\n");
    int n = 0;
    for (Lease l : image.getLeasesList()) {
      n++;
      boolean breaking = l.getUnlockPending() || l.getDowngradePending();
      b.append(String.format("  %d: file #%d holder %d type %s%s%n", n, l.getFileId(), l.getPid(), l.getType(),
          breaking ? String.format(", breaking (%s pending), typePrev %s, breakNotified %s, remaining %s",
              l.getUnlockPending() ? "unlock" : "downgrade", l.getHasTypePrev() ? l.getTypePrev() : "-",
              l.getBreakNotified(), l.getRemainingMs() < 0 ? "no deadline" : l.getRemainingMs() + " ms") : ""));
    }
    locks(image, b);
    return b.toString();
  }

  /** POSIX, OFD and flock locks, if the image has any (owner, type, range, as /proc/locks would say). */
  private static void locks(CheckpointImage image, StringBuilder b) {
    if (image.getPosixLocksCount() + image.getOfdLocksCount() + image.getFlockLocksCount() == 0) {
      return;
    }
    b.append("locks:\n");
    image.getPosixLocksList().forEach(l -> b.append(String.format("  POSIX  ino %d pid %d %s %d-%s%n", l.getIno(),
        l.getPid(), l.getType(), l.getStart(), l.getEnd() < 0 ? "EOF" : String.valueOf(l.getEnd()))));
    image.getOfdLocksList().forEach(l -> b.append(String.format("  OFDLCK ino %d file #%d (taken by %d) %s %d-%s%n",
        l.getIno(), l.getFileId(), l.getPid(), l.getType(), l.getStart(), l.getEnd() < 0 ? "EOF" : String.valueOf(l.getEnd()))));
    image.getFlockLocksList().forEach(l -> b.append(String.format("  FLOCK  ino %d file #%d (taken by %d) %s%n",
        l.getIno(), l.getFileId(), l.getPid(), l.getType())));
  }

  private static int edit(String[] args) {
    Options o = Options.parse(args, Set.of("--lease", "--remaining", "--add", "--out", "--notified"),
        Set.of("--favor-holder", "--favor-breaker"));
    int chosen = (o.has("--remaining") ? 1 : 0) + (o.has("--add") ? 1 : 0) + (o.has("--favor-holder") ? 1 : 0)
        + (o.has("--favor-breaker") ? 1 : 0);
    Boolean notified = notified(o);
    if (chosen > 1 || chosen == 0 && notified == null) {
      throw new Main.UsageException("edit needs one of --remaining T, --add +T/-T, --favor-holder, --favor-breaker,"
          + " and/or --notified true|false");
    }
    CheckpointImage image = load(o);
    if (image == null) {
      return Main.BAD_INPUT;
    }
    long only = o.number("--lease", 0);
    if (only < 0 || only > image.getLeasesCount()) {
      System.err.println("emulator: --lease " + only + ": the image has " + image.getLeasesCount() + " lease(s)");
      return Main.BAD_INPUT;
    }
    CheckpointImage.Builder b = image.toBuilder();
    int edited = 0;
    for (int i = 0; i < b.getLeasesCount(); i++) {
      Lease l = b.getLeases(i);
      boolean breaking = l.getUnlockPending() || l.getDowngradePending();
      if ((only != 0 && only != i + 1) || !breaking) {
        continue;
      }
      Lease.Builder edit = l.toBuilder();
      if (notified != null) {
        System.out.printf("lease %d (holder %d): breakNotified %s -> %s%n", i + 1, l.getPid(), l.getBreakNotified(),
            notified);
        edit.setBreakNotified(notified);
      }
      long remaining;
      if (chosen == 0) {
        remaining = l.getRemainingMs();
      } else if (o.has("--remaining")) {
        remaining = millis("--remaining", o.get("--remaining", ""), false);
      } else if (o.has("--add")) {
        remaining = Math.min(Durations.MAX_MS,
            Math.max(0, Math.max(0, l.getRemainingMs()) + millis("--add", o.get("--add", ""), true)));
      } else if (o.has("--favor-holder")) {
        remaining = image.getLeaseBreakTime() > 0 ? image.getLeaseBreakTime() * 1000 : -1;
      } else {
        remaining = 0;
      }
      if (chosen != 0) {
        System.out.printf("lease %d (holder %d): remaining %s -> %s%n", i + 1, l.getPid(), ms(l.getRemainingMs()),
            ms(remaining));
      }
      b.setLeases(i, edit.setRemainingMs(remaining));
      edited++;
    }
    if (edited == 0) {
      System.err.println("emulator: no breaking lease to edit" + (only != 0 ? " at --lease " + only : "")
          + ": the image is unchanged");
      return Main.BAD_INPUT;
    }
    Path out = Path.of(o.get("--out", o.positional.get(0)));
    try {
      ImageFiles.write(out, b.build());
    } catch (IOException e) {
      System.err.println("emulator: cannot write " + out + ": " + e.getMessage());
      return Main.FAILED;
    }
    System.out.println("wrote " + out);
    return Main.OK;
  }

  /** --notified true|false: whether the holder was signalled for the break (the seed's fl_break_notified). */
  private static Boolean notified(Options o) {
    if (!o.has("--notified")) {
      return null;
    }
    String v = o.get("--notified", "");
    if (!v.equals("true") && !v.equals("false")) {
      throw new Main.UsageException("--notified must be true or false, got '" + v + "'");
    }
    return Boolean.valueOf(v);
  }

  private static String ms(long v) {
    return v < 0 ? "no deadline" : v + " ms";
  }

  /** 5s, 1500ms, 45 (seconds), +2s, -2s: the one duration syntax ({@link Durations}), bounded. */
  private static long millis(String option, String text, boolean signed) {
    try {
      return signed ? Durations.parseSigned(text) : Durations.parse(text);
    } catch (Durations.BadDuration e) {
      throw new Main.UsageException(option + ": " + e.getMessage());
    }
  }

  /** A committed checkpoint from the journal to an image file. */
  private static int export(String[] args) {
    Options o = Options.parse(args, Set.of("--out", "--data", "--journal"), Set.of());
    if (o.positional.size() != 1 || !o.has("--out")) {
      throw new Main.UsageException("image export needs a checkpoint id and --out FILE");
    }
    try (JournalClient journal = Options.journalClient(o)) {
      CheckpointCoordinator.Found found = journal.ask(r -> new CheckpointCoordinator.Get(o.positional.get(0), r));
      if (found.error() != null) {
        System.err.println("emulator: " + found.error());
        return Main.FAILED;
      }
      if (found.entry() == null) {
        System.err.println("emulator: no committed checkpoint " + found.id());
        return Main.BAD_INPUT;
      }
      CheckpointImage image = ImageFiles.parse("checkpoint " + found.id(), found.entry().image());
      Path out = Path.of(o.get("--out", ""));
      ImageFiles.write(out, image);
      System.out.println("exported checkpoint " + found.id() + " to " + out);
      return Main.OK;
    } catch (Main.UsageException e) {
      throw e;
    } catch (Exception e) {
      System.err.println("emulator: " + e.getMessage());
      return Main.FAILED;
    }
  }

  /** An image file into the journal, committed under its id (or --id). */
  private static int importImage(String[] args) {
    Options o = Options.parse(args, Set.of("--id", "--data", "--journal"), Set.of());
    CheckpointImage image = load(o);
    if (image == null) {
      return Main.BAD_INPUT;
    }
    String id = o.get("--id", image.getId());
    String badId = Names.problem(id);
    if (badId != null) {
      throw new Main.UsageException((o.has("--id") ? "--id" : "the image's id") + " " + badId);
    }
    CheckpointImage stored = image.toBuilder().setId(id).build();
    try (JournalClient journal = Options.journalClient(o)) {
      journal.ask((org.apache.pekko.actor.typed.ActorRef<CheckpointCoordinator.Done> r) ->
          new CheckpointCoordinator.Commit(id, stored.getTakenAtMs(), stored.getScenario(), stored.toByteArray(), r));
      System.out.println("imported " + o.positional.get(0) + " as checkpoint " + id);
      return Main.OK;
    } catch (Main.UsageException e) {
      throw e;
    } catch (Exception e) {
      System.err.println("emulator: " + e.getMessage());
      return Main.FAILED;
    }
  }
}
