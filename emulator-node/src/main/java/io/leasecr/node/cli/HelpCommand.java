package io.leasecr.node.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code emulator help [COMMAND [SUBCOMMAND]]}: that command's usage on stdout (picocli's goes one level only). */
@Command(name = "help", helpCommand = true, usageHelpWidth = 110,
    description = "Show the usage of a command: emulator help [COMMAND [SUBCOMMAND]].")
final class HelpCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "e.g. run, or image edit")
  List<String> path = new ArrayList<>();

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Override
  public Integer call() {
    CommandLine c = spec.root().commandLine();
    for (int i = 0; i < path.size(); i++) {
      CommandLine sub = c.getSubcommands().get(path.get(i));
      if (sub == null) {
        throw new ParameterException(spec.commandLine(), "unknown command '" + String.join(" ", path.subList(0, i + 1))
            + "'");
      }
      c = sub;
    }
    c.usage(spec.commandLine().getOut());
    spec.commandLine().getOut().flush();
    return Main.OK;
  }
}
