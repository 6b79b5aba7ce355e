package io.leasecr.node.cli;

import io.leasecr.core.checkpoint.Journal;
import io.leasecr.node.cluster.JournalPreflight;
import io.leasecr.node.config.LeaseCrConfig;
import io.leasecr.node.journal.JournalClient;
import io.leasecr.node.journal.JournalOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --journal h2|postgres|none} and {@code --data DIR}, mixed into the commands that use a journal. */
final class JournalChoice {

  /** The journals a command can use. */
  enum Kind { h2, postgres, none }

  @Option(names = "--journal", paramLabel = "KIND",
      description = "where checkpoints are committed: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; "
          + "postgres at LEASE_CR_PG_URL)")
  Kind kind = Kind.h2;

  @Option(names = "--data", paramLabel = "DIR",
      description = "the H2 journal's directory (default: LEASE_CR_DATA, else ./data)")
  Path data;

  /**
   * The chosen journal (null for none), checked: an H2 directory that is a file, or PostgreSQL without
   * a URL, is bad input; an unreachable or wrong PostgreSQL database cannot run here. Opens nothing.
   */
  Journal journal() {
    return journal(true);
  }

  /** As {@link #journal()}; the directory and database are checked only if {@code used} or --data is given. */
  Journal journal(boolean used) {
    LeaseCrConfig conf = config();
    Journal journal;
    try {
      journal = JournalOptions.choose(kind.name(), data == null ? null : data.toString(), conf);
    } catch (IllegalArgumentException e) {
      throw new Failure(Main.BAD_INPUT, e.getMessage());
    }
    if (kind == Kind.h2 && (used || data != null)) {
      Path dir = data != null ? data : conf.dataDir();
      String source = data != null ? "--data" : conf.source("lease-cr.journal.data");
      OutputPaths.checkDirectoryWithoutMaking(source + " " + dir, dir);
    }
    if (kind == Kind.postgres && used) {
      String problem = JournalPreflight.check(journal, 5);
      if (problem != null) {
        throw new Failure(Main.CANNOT_RUN, problem);
      }
    }
    return journal;
  }

  /**
   * For the commands that only read or remove: the H2 journal's file if the chosen directory has none (so that
   * opening it would make an empty journal there, as a mistyped --data would), else null (also for PostgreSQL).
   */
  Path missingH2() {
    if (kind != Kind.h2) {
      return null;
    }
    journal(); // the directory's own checks first (a file given as --data is not a directory)
    Path dir = data != null ? data : config().dataDir();
    Path file = dir.resolve("journal.mv.db");
    return Files.exists(file) ? null : file;
  }

  /** A checkpoint id given on the command line, refused (exit 2) if no checkpoint could have it. */
  static String checkpointId(String id) {
    String bad = io.leasecr.core.input.Names.problem(id);
    if (bad != null) {
      throw new Failure(Main.BAD_INPUT, "checkpoint id " + bad);
    }
    return id;
  }

  /** {@link #missingH2()} as a refusal (exit 2, nothing made): {@code what} says what could not be done. */
  void requireExisting(String what) {
    Path missing = missingH2();
    if (missing != null) {
      throw new Failure(Main.BAD_INPUT, what + ": there is no checkpoint journal in " + missing.getParent() + " (no "
          + missing.getFileName() + "; nothing was made there)");
    }
  }

  /** The journal, opened for the command line; {@code none} is a usage error here. */
  JournalClient client() {
    if (kind == Kind.none) {
      throw new Failure(Main.BAD_INPUT, "this command needs a journal (--journal h2 or postgres)");
    }
    Journal journal = journal();
    try {
      return new JournalClient(journal);
    } catch (Exception e) {
      throw new Failure(Main.CANNOT_RUN, e.getMessage() != null ? e.getMessage().lines().findFirst().orElse("")
          : "the checkpoint journal (" + journal.describe() + ") cannot be opened");
    }
  }

  private static LeaseCrConfig config() {
    try {
      return LeaseCrConfig.load();
    } catch (LeaseCrConfig.BadSetting e) {
      throw new Failure(Main.BAD_INPUT, e.getMessage());
    }
  }

  /** {@code client.ask(message)}; no answer in time, or a failed one, is a failure in words (exit 1). */
  static <T> T ask(JournalClient client, org.apache.pekko.japi.function.Function<org.apache.pekko.actor.typed.ActorRef<T>,
      io.leasecr.core.checkpoint.CheckpointCoordinator.Command> message) throws InterruptedException {
    try {
      return client.ask(message);
    } catch (InterruptedException e) {
      throw e;
    } catch (java.util.concurrent.TimeoutException e) {
      throw new Failure(Main.FAILED, "the checkpoint journal did not answer in time");
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new Failure(Main.FAILED, "the checkpoint journal failed: "
          + (cause.getMessage() != null ? cause.getMessage().lines().findFirst().orElse("") : "no reason given"));
    }
  }
}
