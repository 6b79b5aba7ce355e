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
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code emulator image show|edit|export|import}: the checkpoint image tool, like CRIU's crit. Editing the
 * time a breaking lease has left is the tool the seed asks for.
 */
@Command(name = "image", mixinStandardHelpOptions = true, usageHelpWidth = 110, synopsisSubcommandLabel = "COMMAND",
    description = "Checkpoint image files: show, edit, export from the journal, import into it.",
    subcommands = {ImageCommand.Show.class, ImageCommand.Edit.class, ImageCommand.Export.class,
        ImageCommand.Import.class})
final class ImageCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "image needs a subcommand: show, edit, export or import");
  }

  /** The image file {@code file}, or a bad-input failure naming the file and what is wrong. */
  private static CheckpointImage load(Path file) {
    CheckpointImage image;
    try {
      ImageFiles.Loaded loaded = ImageFiles.load(file);
      if (loaded.headerless()) {
        System.err.println("emulator: note: " + loaded.note(file));
      }
      image = loaded.image();
    } catch (ImageFiles.BadImage e) {
      throw new Failure(Main.BAD_INPUT, e.getMessage());
    }
    // the same check a restart makes: show and edit refuse what restart would refuse
    String bad = io.leasecr.core.checkpoint.ImageCodec.invalid(image);
    if (bad != null) {
      throw new Failure(Main.BAD_INPUT, file + ": checkpoint " + image.getId() + " cannot be restored: " + bad);
    }
    return image;
  }

  @Command(name = "show", mixinStandardHelpOptions = true, usageHelpWidth = 110,
      description = "Print a checkpoint image, readable or as JSON.")
  static final class Show implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the image file") Path file;

    @Option(names = "--json", description = "print the image as JSON (protobuf's JSON mapping)") boolean json;

    @Override
    public Integer call() {
      CheckpointImage image = load(file);
      if (json) {
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
      // an image that kept a downgrade's deadline under an unlock shows both; any other, as it always did
      boolean both = l.hasDowngradeRemainingMs();
      b.append(String.format("  %d: file #%d holder %d type %s%s%s%n", n, l.getFileId(), l.getPid(), l.getType(),
          breaking ? String.format(", breaking (%s pending), typePrev %s, breakNotified %s, remaining %s",
              both ? "unlock and downgrade" : l.getUnlockPending() ? "unlock" : "downgrade",
              l.getHasTypePrev() ? l.getTypePrev() : "-",
              l.getBreakNotified(), l.getRemainingMs() < 0 ? "no deadline" : l.getRemainingMs() + " ms") : "",
          both ? ", downgrade remaining " + ms(l.getDowngradeRemainingMs()) : ""));
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

  @Command(name = "edit", mixinStandardHelpOptions = true, usageHelpWidth = 110, sortOptions = false,
      description = "Edit the time the breaking leases of an image have left (one of the time edits), and/or "
          + "whether their holder was notified.")
  static final class Edit implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "the image file") Path file;

    @ArgGroup(exclusive = true, multiplicity = "0..1") Change change;

    @Option(names = "--notified", paramLabel = "true|false",
        description = "set whether the holder was signalled for the break (the seed's fl_break_notified); "
            + "alone or with one of the time edits")
    String notifiedText;

    /** The one edit. */
    static final class Change {
      @Option(names = "--remaining", paramLabel = "T", description = "set the time left, e.g. 5s or 1500ms")
      String remaining;

      @Option(names = "--add", paramLabel = "+T|-T", description = "add to (or take from) the time left, e.g. +2s")
      String add;

      @Option(names = "--favor-holder", description = "a whole lease-break-time again")
      boolean favorHolder;

      @Option(names = "--favor-breaker", description = "no time left: the break ends at the restart")
      boolean favorBreaker;
    }

    @Option(names = "--lease", paramLabel = "N", description = "only the image's N-th lease (from 1; default: all)")
    Integer lease;
    int only;

    @Option(names = "--out", paramLabel = "FILE", description = "write the edited image there (default: FILE)")
    Path out;

    @Override
    public Integer call() {
      Path target = out != null ? out : file;
      long remainingSet = 0;
      long added = 0;
      if (notifiedText != null && !notifiedText.equals("true") && !notifiedText.equals("false")) {
        throw new ParameterException(spec.commandLine(), "--notified must be true or false, got '" + notifiedText + "'");
      }
      Boolean notified = notifiedText == null ? null : Boolean.valueOf(notifiedText);
      if (change == null && notified == null) {
        throw new ParameterException(spec.commandLine(), "edit needs one of --remaining T, --add +T/-T, "
            + "--favor-holder, --favor-breaker, and/or --notified true|false");
      }
      try {
        if (change == null) {
          added = 0; // only --notified
        } else if (change.remaining != null) {
          remainingSet = millis("--remaining", change.remaining, false);
          if (remainingSet < 0) {
            throw new IllegalArgumentException("--remaining must not be negative");
          }
        } else if (change.add != null) {
          added = millis("--add", change.add, true);
        }
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      only = lease == null ? 0 : lease; // 0: every lease
      if (lease != null && lease < 1) {
        throw new ParameterException(spec.commandLine(), "--lease must be 1 or more, got " + lease);
      }
      if (out != null) {
        OutputPaths.checkFile("--out", target);
      }
      CheckpointImage image = load(file); // in place: the file's own checks (a directory, a fifo) come first
      if (out == null) {
        OutputPaths.checkFile("FILE", target);
      }
      if (only > image.getLeasesCount()) {
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
        long remaining = edited(l.getRemainingMs(), remainingSet, added, image.getLeaseBreakTime());
        if (change != null) {
          System.out.printf("lease %d (holder %d): remaining %s -> %s%n", i + 1, l.getPid(), ms(l.getRemainingMs()),
              ms(remaining));
        }
        edit.setRemainingMs(remaining);
        if (change != null && l.hasDowngradeRemainingMs()) {
          // a downgrade's own deadline under an unlock gets the same edit, as a restart policy moves both alike
          long downgrade = edited(l.getDowngradeRemainingMs(), remainingSet, added, image.getLeaseBreakTime());
          System.out.printf("lease %d (holder %d): downgrade remaining %s -> %s%n", i + 1, l.getPid(),
              ms(l.getDowngradeRemainingMs()), ms(downgrade));
          edit.setDowngradeRemainingMs(downgrade);
        }
        b.setLeases(i, edit);
        edited++;
      }
      if (edited == 0) {
        System.err.println("emulator: no breaking lease to edit" + (only != 0 ? " at --lease " + only : "")
            + ": the image is unchanged");
        return Main.BAD_INPUT;
      }
      try {
        ImageFiles.write(target, b.build());
      } catch (IOException e) {
        System.err.println("emulator: cannot write " + target + ": " + OutputPaths.why(e));
        return Main.FAILED;
      }
      System.out.println("wrote " + target);
      return Main.OK;
    }

    /** One time left after the edit (--remaining, --add, --favor-holder, --favor-breaker; none: unchanged). */
    private long edited(long left, long remainingSet, long added, long leaseBreakTime) {
      if (change == null) {
        return left;
      } else if (change.remaining != null) {
        return remainingSet;
      } else if (change.add != null) {
        return Math.min(Durations.MAX_MS, Math.max(0, Durations.saturatedAdd(Math.max(0, left), added)));
      } else if (change.favorHolder) {
        return leaseBreakTime > 0 ? leaseBreakTime * 1000 : -1;
      }
      return 0;
    }
  }

  private static String ms(long v) {
    return v < 0 ? "no deadline" : v + " ms";
  }

  /** 5s, 1500ms, 45 (seconds), +2s, -2s: the one duration syntax ({@link Durations}), bounded. */
  private static long millis(String option, String text, boolean signed) {
    try {
      return signed ? Durations.parseSigned(text) : Durations.parse(text);
    } catch (Durations.BadDuration e) {
      throw new IllegalArgumentException(option + ": " + e.getMessage());
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true, usageHelpWidth = 110, sortOptions = false,
      description = "Write a checkpoint committed to the journal to an image file.")
  static final class Export implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "the checkpoint's id (emulator checkpoint list)") String id;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "the image file to write")
    Path out;

    @Mixin JournalChoice journal;

    @Override
    public Integer call() throws Exception {
      OutputPaths.checkFile("--out", out);
      JournalChoice.checkpointId(id);
      journal.requireExisting("no checkpoint " + id);
      try (JournalClient client = journal.client()) {
        CheckpointCoordinator.Found found = JournalChoice.ask(client, r -> new CheckpointCoordinator.Get(id, r));
        if (found.error() != null) {
          System.err.println("emulator: " + found.error());
          return Main.FAILED;
        }
        if (found.entry() == null) {
          System.err.println("emulator: no committed checkpoint " + found.id());
          return Main.BAD_INPUT;
        }
        CheckpointImage image;
        try {
          image = ImageFiles.parse("checkpoint " + found.id(), found.entry().image());
        } catch (ImageFiles.BadImage e) {
          System.err.println("emulator: " + e.getMessage());
          return Main.FAILED;
        }
        try {
          ImageFiles.write(out, image);
        } catch (IOException e) {
          System.err.println("emulator: cannot write " + out + ": " + OutputPaths.why(e));
          return Main.FAILED;
        }
        System.out.println("exported checkpoint " + found.id() + " to " + out);
        return Main.OK;
      }
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true, usageHelpWidth = 110, sortOptions = false,
      description = "Commit an image file to the journal, under its own id or --id.")
  static final class Import implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "the image file") Path file;

    @Option(names = "--id", paramLabel = "ID", description = "commit it under this id (default: the image's)")
    String id;

    @Mixin JournalChoice journal;

    @Override
    public Integer call() throws Exception {
      CheckpointImage image = load(file);
      String as = id != null ? id : image.getId();
      String badId = Names.problem(as);
      if (badId != null) {
        throw new ParameterException(spec.commandLine(), (id != null ? "--id" : "the image's id") + " " + badId);
      }
      CheckpointImage stored = image.toBuilder().setId(as).build();
      try (JournalClient client = journal.client()) {
        CheckpointCoordinator.Done done = JournalChoice.ask(client, (org.apache.pekko.actor.typed.ActorRef<CheckpointCoordinator.Done> r) ->
            new CheckpointCoordinator.Commit(as, stored.getTakenAtMs(), stored.getScenario(), stored.toByteArray(), r));
        if (done.error() != null) {
          System.err.println("emulator: " + done.error());
          return Main.FAILED;
        }
        System.out.println("imported " + file + " as checkpoint " + as);
        return Main.OK;
      }
    }
  }
}
