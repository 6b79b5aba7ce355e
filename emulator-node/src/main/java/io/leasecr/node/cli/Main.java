package io.leasecr.node.cli;

import java.util.Arrays;

/** The {@code emulator} command: dispatches to one subcommand per file in this package. */
public final class Main {

  static final int OK = 0;
  static final int FAILED = 1;
  static final int BAD_INPUT = 2;
  static final int CANNOT_RUN = 3;

  private static final String USAGE = """
      usage: emulator <command> [options]

      commands:
        run FILE...        run scenario files on emulated time, print their timelines, check expectations
                           options: --trace FILE (JSON Lines; with several files, FILE gets a -N suffix)
                                    --journal h2|postgres|none --data DIR (where checkpoints are committed;
                                    default h2 in ./data, used only by scenarios that checkpoint)
                                    --quiet (no timeline)  --time virtual|real  --scale X
                                    --restore-cost off|default|FILE (restarts take modelled time; default
                                    off: instant)  --busy K (CPU-bound threads competing with the restore)
                                    --mode seed|criu|keep-break (every restart in that mode, overriding the file)
                                    --html FILE (the run as an HTML timeline; with several files, a -N suffix)
        conform FILE...    run scenarios on the emulator and on this machine's kernel, compare the traces
                           options: --trace-dir DIR  --verbose (side-by-side even when they agree)
                                    --inject-fault resignal-later-openers|late-deadline (a wrong rule, to see a difference)
                           exit: 0 all agree, 1 a difference, 2 bad input, 3 the kernel side cannot run here
        checkpoint list    the checkpoints committed to the journal (--journal h2|postgres, --data DIR)
        checkpoint delete ID
        image export ID --out FILE   a committed checkpoint to an image file
        image import FILE [--id ID]  an image file into the journal
        image show FILE    print a checkpoint image (--json for JSON)
        image edit FILE    edit the time breaking leases have left: --remaining 5s | --add +2s | --add -2s
                           | --favor-holder | --favor-breaker, and/or --notified true|false (the holder was
                           signalled: fl_break_notified)   [--lease N] [--out FILE]
        bench              measure lease-break cycles (emulator and real kernel), Pekko messaging, heap
                           options: --cycles N --pairs N --processes N[,N...] --skip-kernel --skip-heap
        bench cr           checkpoint/restart of N processes on the journal, against raw JDBC
                           options: --sizes 1000,10000,100000  --journal h2|postgres|both
                                    --warmup 30  --repeats 11  --plot DIR (SVG and PNG of the ratios)
        experiment FILE... run experiments: a grid of restarts each, in parallel on emulated time; writes a CSV
                           of metrics per run and plots (PNG, SVG) of each metric, one line per policy
                           options: --out DIR (default experiments-out; each experiment in DIR/NAME)
                                    --jobs N (default: the cores)
                                    --no-progress  --no-plots  --mode seed|criu|keep-break (overrides the grid)
                                    --no-progress  --no-plots
                                    --timeline N (run N, as numbered in the CSV, again as an HTML timeline)
        calibrate          measure on this kernel what re-creating a process tree costs (fork, open, leases,
                           POSIX locks) under CPU load; write the fitted restart-cost.conf (about 30 s)
                           options: --out FILE (default: stdout)  --quick (a few seconds)  --max-processes N
                                    --busy 0,2,4,8  --repetitions R  --fanout F  --lease-type read|write
                                    --raw FILE (also every run's measurement, one line each)
                           exit: 0 written, 1 a measurement failed, 2 bad input, 3 cannot run here
        node               one cluster node (Pekko Cluster on loopback): sharded processes and inode lease tables
                           options: --name N --port P (default 25520) --seed HOST:PORT (repeatable, or a comma
                                    list; default: itself) --role R --bind ADDR (default 127.0.0.1; another
                                    address only when given explicitly) --pg-url URL (or LEASE_CR_PG_URL, _USER,
                                    _PASSWORD) --drill FILE --trace FILE.jsonl --stable-after MS --join-timeout MS --origin EPOCH_MS
                                    --scale X (emulated seconds per wall second, default 1)
        drill FILE         start the drill's nodes on loopback, play it in real time, inject its faults (kill -9, partitions),
                           restart processes on surviving nodes, print a timeline per node, check invariants
                           options: --out DIR (traces and node logs; default drill-out)  --base-port P
                                    --scale X (emulated seconds per wall second; overrides the drill's scale:)
        fuzz               differential fuzzing against this kernel: generated programs, differences shrunk
                           to scenario files (emulator fuzz --help)
        explore FILE...    checkpoint/restart each scenario at every moment, subset of processes, mode and policy
                           (recursively, and with killed commits); check invariants; table, CSV, counterexamples
                           options: --mode seed,criu,keep-break --policy remaining,... --depth 1|2 --jobs N
                                    --max-runs N --restart-after 5s --out DIR --no-kill-commit --no-shrink
        report TRACE.jsonl --html OUT.html
                           a saved trace (run --trace, a drill's drill.jsonl) as a self-contained HTML timeline
        help               this text
      """;

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String[] args) {
    if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
      System.out.print(USAGE);
      return args.length == 0 ? BAD_INPUT : OK;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      return switch (args[0]) {
        case "run" -> RunCommand.run(rest);
        case "conform" -> ConformCommand.run(rest);
        case "image" -> ImageCommand.run(rest);
        case "checkpoint" -> CheckpointCommand.run(rest);
        case "bench" -> BenchCommand.run(rest);
        case "experiment" -> ExperimentCommand.run(rest);
        case "calibrate" -> CalibrateCommand.run(rest);
        case "node" -> NodeCommand.run(rest);
        case "drill" -> DrillCommand.run(rest);
        case "fuzz" -> new picocli.CommandLine(new FuzzCommand()).execute(rest);
        case "explore" -> ExploreCommand.run(rest);
        case "report" -> new picocli.CommandLine(new ReportCommand()).execute(rest);
        default -> usage("unknown command '" + args[0] + "'");
      };
    } catch (UsageException e) {
      return usage(e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FAILED;
    }
  }

  static int usage(String problem) {
    System.err.println("emulator: " + problem);
    System.err.print(USAGE);
    return BAD_INPUT;
  }

  /** A command-line argument that cannot be used. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }
}
