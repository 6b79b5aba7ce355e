package io.leasecr.node.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.leasecr.core.checkpoint.Journal;
import io.leasecr.core.restore.RestartCostModel;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.node.journal.JournalClient;
import io.leasecr.node.journal.JournalOptions;
import io.leasecr.core.scenario.ScenarioException;
import io.leasecr.core.scenario.ScenarioParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Minimal option parsing: --name value, --flag, and positional arguments; unknown options are errors. */
final class Options {
  final List<String> positional = new ArrayList<>();
  private final Map<String, String> values = new HashMap<>();

  private Options() {}

  static Options parse(String[] args, Set<String> withValue, Set<String> flags) {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.startsWith("--")) {
        if (withValue.contains(a)) {
          if (i + 1 >= args.length) {
            throw new Main.UsageException("option " + a + " needs a value");
          }
          o.values.put(a, args[++i]);
        } else if (flags.contains(a)) {
          o.values.put(a, "true");
        } else {
          throw new Main.UsageException("unknown option " + a);
        }
      } else {
        o.positional.add(a);
      }
    }
    return o;
  }

  String get(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  long number(String name, long fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new Main.UsageException("option " + name + " needs a whole number, got '" + v + "'");
    }
  }

  double decimal(String name, double fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new Main.UsageException("option " + name + " needs a number, got '" + v + "'");
    }
  }

  /**
   * Parses every scenario file before anything runs, so a malformed one is reported first; prints the
   * error (file:line: problem) and returns null if one cannot be used.
   */
  static List<Scenario> scenarios(List<String> files) {
    List<Scenario> scenarios = new ArrayList<>();
    for (String file : files) {
      try {
        scenarios.add(ScenarioParser.parse(Path.of(file)));
      } catch (ScenarioException e) {
        System.err.println("emulator: " + e.getMessage());
        return null;
      }
    }
    return scenarios;
  }

  /**
   * {@code lease-cr.restore} from --restore-cost off|default|FILE and --busy K: how long restarts take
   * (the model file is checked here, so a bad one is a usage error before anything runs).
   */
  static Config restoreCost(Options o) {
    String model = o.get("--restore-cost", "off");
    long busy = o.number("--busy", 0);
    if (busy < 0 || busy > 10_000) {
      throw new Main.UsageException("--busy must be between 0 and 10000 CPU-bound threads, got " + busy);
    }
    if (!model.equals("off")) {
      try {
        RestartCostModel.load(model);
      } catch (RestartCostModel.BadModel e) {
        throw new Main.UsageException(e.getMessage());
      }
    } else if (o.has("--busy")) {
      throw new Main.UsageException("--busy needs --restore-cost default or a model file");
    }
    return ConfigFactory.parseMap(Map.of("lease-cr.restore.cost-model", model, "lease-cr.restore.busy-threads", busy));
  }

  /** --mode seed|criu|keep-break: every restart in that mode, overriding the files. */
  static io.leasecr.core.locks.RestartMode restartMode(Options o) {
    try {
      return io.leasecr.core.locks.RestartMode.parse(o.get("--mode", "seed"));
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException("--mode: " + e.getMessage());
    }
  }

  /** The journal named by --journal (h2, postgres) and --data, opened. */
  static JournalClient journalClient(Options o) throws Exception {
    Journal journal = journal(o);
    if (journal == null) {
      throw new Main.UsageException("this command needs a journal (--journal h2 or postgres)");
    }
    return new JournalClient(journal);
  }

  static Journal journal(Options o) {
    try {
      return JournalOptions.choose(o.get("--journal", "h2"), o.get("--data", null));
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException(e.getMessage());
    }
  }
}
