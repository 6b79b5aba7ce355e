package io.leasecr.node.cli;

import io.leasecr.node.config.LeaseCrConfig;
import io.leasecr.node.config.OptionTypes;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The {@code emulator} command (picocli): one class per subcommand in this package, each declaring its
 * options once, for parsing, checking and the usage text. Nothing runs before the arguments are valid.
 */
@Command(name = "emulator", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    usageHelpWidth = 110, sortOptions = false,
    description = "Emulates Linux process trees that hold file leases and locks, checkpoints them and restarts "
        + "them, on one machine or across a Pekko cluster.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {RunCommand.class, ConformCommand.class, CheckpointCommand.class, ImageCommand.class,
        BenchCommand.class, ExperimentCommand.class, CalibrateCommand.class, NodeCommand.class, DrillCommand.class,
        ReportCommand.class, ExploreCommand.class, FuzzCommand.class, CompletionCommand.class, HelpCommand.class},
    footer = {"Exit codes: 0 done (every expectation holds); 1 an expectation or check failed (a difference, a "
        + "failed invariant, a failed measurement); 2 bad input or usage (a malformed file, option or argument; "
        + "nothing was run or changed); 3 cannot run here (no kernel side, database unreachable, address in "
        + "use, no cluster to join); 70 an internal error (a bug: please report it).",
        "'emulator help COMMAND' or 'emulator COMMAND --help' shows a command's options."})
public final class Main implements Callable<Integer> {

  static final int OK = 0;
  static final int FAILED = 1;
  static final int BAD_INPUT = 2;
  static final int CANNOT_RUN = 3;
  static final int INTERNAL = 70;

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    // slf4j binds and logback configures here, before any job's thread logs: first loggers from several
    // threads at once are substituted and replayed, with a warning on stderr (conform --jobs 6 did)
    org.slf4j.LoggerFactory.getILoggerFactory();
    System.exit(run(args));
  }

  /** Runs the command line {@code args} and returns the exit code (the tests call this). */
  public static int run(String[] args) {
    return commandLine().execute(args);
  }

  /** The whole command tree, writing to this moment's System.out and System.err. */
  static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new Main());
    cmd.setOut(new PrintWriter(System.out, true));
    cmd.setErr(new PrintWriter(System.err, true));
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    cmd.setUsageHelpWidth(110);
    OptionTypes.register(cmd);
    cmd.setParameterExceptionHandler(Main::badUsage);
    cmd.setExecutionExceptionHandler(Main::failed);
    cmd.setExecutionStrategy(Main::checkedSettings);
    every(cmd);
    return cmd;
  }

  /** The run settings checked before any command but help, version and completion runs: exit 2 naming the variable. */
  private static int checkedSettings(ParseResult parsed) {
    ParseResult last = parsed;
    while (last.hasSubcommand()) {
      last = last.subcommand();
    }
    String name = last.commandSpec().name();
    if (!parsed.isUsageHelpRequested() && !last.isUsageHelpRequested() && !parsed.isVersionHelpRequested()
        && !last.isVersionHelpRequested() && last != parsed && !name.equals("help") && !name.equals("completion")) {
      try {
        LeaseCrConfig.load().checkRunSettings();
      } catch (LeaseCrConfig.BadSetting e) {
        parsed.commandSpec().commandLine().getErr().println("emulator: " + e.getMessage());
        parsed.commandSpec().commandLine().getErr().flush();
        return BAD_INPUT;
      } catch (RuntimeException e) {
        // a configuration that does not load at all (a malformed application.conf) is the command's to report,
        // as before this check: commands that never read it still run
      }
    }
    return new CommandLine.RunLast().execute(parsed);
  }

  /** Every command: the version, a blank line before the footer. */
  private static void every(CommandLine c) {
    c.getCommandSpec().versionProvider(new Version());
    c.getCommandSpec().usageMessage().footerHeading("%n");
    c.getSubcommands().values().forEach(Main::every);
  }

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "a command is needed");
  }

  /** One line naming the problem, then the usage of the command it is about, on stderr: exit 2. */
  private static int badUsage(ParameterException e, String[] args) {
    CommandLine c = e.getCommandLine();
    PrintWriter err = c.getErr();
    String message = e.getMessage() == null ? "bad usage" : e.getMessage().lines().findFirst().orElse("");
    if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
        && !u.getUnmatched().get(0).startsWith("-")) {
      String first = u.getUnmatched().get(0);
      if (c.getCommandSpec().userObject() instanceof Main) {
        message = "unknown command '" + first + "'";
      } else if (!c.getSubcommands().isEmpty()) {
        message = "unknown subcommand '" + first + "' (" + String.join(", ", c.getSubcommands().keySet()) + ")";
      } else {
        message = "unexpected argument '" + first + "'";
      }
    }
    if (message.startsWith("Error: ")) {
      message = message.substring("Error: ".length());
    }
    err.println(c.getCommandSpec().qualifiedName() + ": " + message);
    c.usage(err);
    err.flush();
    return BAD_INPUT;
  }

  /** A {@link Failure} in its own words and code; anything else is a bug: its message, exit 70. */
  private static int failed(Exception e, CommandLine c, ParseResult parsed) {
    PrintWriter err = c.getErr();
    int code;
    if (e instanceof Failure f) {
      err.println("emulator: " + f.getMessage());
      code = f.code;
    } else if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      err.println("emulator: interrupted");
      code = FAILED;
    } else {
      boolean trace = false;
      try {
        trace = LeaseCrConfig.load().flag("lease-cr.cli.stack-traces");
      } catch (RuntimeException ignored) {
        // a bad setting must not hide the error being reported
      }
      String what = e.getMessage() != null ? e.getMessage().lines().findFirst().orElse("") : "";
      err.println("emulator: internal error" + (what.isEmpty() ? "" : ": " + what)
          + (trace ? "" : " (LEASE_CR_STACK_TRACES=on shows where; please report it)"));
      if (trace) {
        e.printStackTrace(err);
      }
      code = INTERNAL;
    }
    err.flush();
    return code;
  }

  /** {@code emulator --version}: the project's version (from the build) and the Java that runs it. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      Properties p = new Properties();
      try (InputStream in = Main.class.getResourceAsStream("/lease-cr-version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException ignored) {
        // reported as unknown below
      }
      return new String[] {"lease-cr-emulator " + p.getProperty("version", "(unknown version)"),
          "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
    }
  }
}
