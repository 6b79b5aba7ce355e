package io.leasecr.node.cli;

import io.leasecr.core.checkpoint.CheckpointCoordinator;
import io.leasecr.node.journal.JournalClient;
import java.util.Arrays;
import java.util.Set;

/** {@code emulator checkpoint list|delete}: the committed checkpoints in the journal. */
final class CheckpointCommand {

  private CheckpointCommand() {}

  static int run(String[] args) {
    if (args.length == 0) {
      throw new Main.UsageException("checkpoint needs a subcommand: list or delete");
    }
    Options o = Options.parse(Arrays.copyOfRange(args, 1, args.length), Set.of("--data", "--journal"), Set.of());
    try (JournalClient journal = Options.journalClient(o)) {
      switch (args[0]) {
        case "list" -> {
          CheckpointCoordinator.Listing listing = journal.ask(CheckpointCoordinator.ListAll::new);
          System.out.printf("%-16s %-28s %12s %10s%n", "ID", "SCENARIO", "TAKEN AT", "BYTES");
          for (CheckpointCoordinator.Entry e : listing.entries()) {
            System.out.printf("%-16s %-28s %11.3fs %10d%n", e.id(), e.scenario(), e.takenAtMs() / 1000.0, e.size());
          }
          System.out.println(listing.entries().size() + " committed checkpoint(s)");
          return Main.OK;
        }
        case "delete" -> {
          if (o.positional.size() != 1) {
            throw new Main.UsageException("checkpoint delete needs one checkpoint id");
          }
          CheckpointCoordinator.Done d = journal.ask(r -> new CheckpointCoordinator.Delete(o.positional.get(0), r));
          if (d.error() != null) {
            System.err.println("emulator: " + d.error());
            return Main.BAD_INPUT;
          }
          System.out.println("deleted checkpoint " + d.id());
          return Main.OK;
        }
        default -> throw new Main.UsageException("unknown checkpoint subcommand '" + args[0] + "' (list, delete)");
      }
    } catch (Main.UsageException e) {
      throw e;
    } catch (Exception e) {
      System.err.println("emulator: " + e.getMessage());
      return Main.FAILED;
    }
  }
}
