package io.leasecr.node.cli;

import io.leasecr.core.checkpoint.CheckpointCoordinator;
import io.leasecr.node.journal.JournalClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code emulator checkpoint list|delete}: the committed checkpoints in the journal. */
@Command(name = "checkpoint", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    synopsisSubcommandLabel = "COMMAND",
    description = "The checkpoints committed to the journal (H2 in ./data, or PostgreSQL).",
    subcommands = {CheckpointCommand.ListAll.class, CheckpointCommand.Delete.class})
final class CheckpointCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "checkpoint needs a subcommand: list or delete");
  }

  @Command(name = "list", mixinStandardHelpOptions = true, usageHelpWidth = 110,
      description = "List the committed checkpoints: id, scenario, when taken, size.")
  static final class ListAll implements Callable<Integer> {
    @Mixin JournalChoice journal;

    @Override
    public Integer call() throws Exception {
      java.nio.file.Path missing = journal.missingH2();
      if (missing != null) { // nothing committed there: say so without making an empty journal
        System.out.println("0 committed checkpoint(s): no checkpoint journal in " + missing.getParent() + " (no "
            + missing.getFileName() + ")");
        return Main.OK;
      }
      try (JournalClient client = journal.client()) {
        CheckpointCoordinator.Listing listing = JournalChoice.ask(client, CheckpointCoordinator.ListAll::new);
        System.out.printf("%-16s %-28s %12s %10s%n", "ID", "SCENARIO", "TAKEN AT", "BYTES");
        for (CheckpointCoordinator.Entry e : listing.entries()) {
          System.out.printf("%-16s %-28s %11.3fs %10d%n", e.id(), e.scenario(), e.takenAtMs() / 1000.0, e.size());
        }
        System.out.println(listing.entries().size() + " committed checkpoint(s)");
        return Main.OK;
      }
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, usageHelpWidth = 110,
      description = "Delete a committed checkpoint.")
  static final class Delete implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "the checkpoint's id") String id;

    @Mixin JournalChoice journal;

    @Override
    public Integer call() throws Exception {
      JournalChoice.checkpointId(id);
      journal.requireExisting("no checkpoint " + id);
      try (JournalClient client = journal.client()) {
        CheckpointCoordinator.Done d = JournalChoice.ask(client, r -> new CheckpointCoordinator.Delete(id, r));
        if (d.error() != null) {
          System.err.println("emulator: " + d.error());
          return Main.BAD_INPUT;
        }
        System.out.println("deleted checkpoint " + d.id());
        return Main.OK;
      }
    }
  }
}
