package io.leasecr.node.cli;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.leasecr.core.locks.Fault;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.node.conform.Conformance;
import io.leasecr.node.conform.InOrder;
import io.leasecr.node.conform.KernelSide;
import io.leasecr.node.linux.NativeProgram;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code emulator conform FILE...}: each scenario on the emulator and on this machine's kernel, compared. */
@Command(name = "conform", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
    description = "Run scenarios on the emulator and on this machine's kernel (real processes, native/lcr_proc.c "
        + "built with gcc on first use) and compare the traces.",
    footer = "Exit codes: 0 all agree, 1 a difference, 2 bad input, 3 the kernel side cannot run here.")
final class ConformCommand implements Callable<Integer> {

  static final int KERNEL_UNAVAILABLE = Main.CANNOT_RUN;

  @Parameters(paramLabel = "FILE", arity = "1..*", description = "scenario files")
  List<String> files;

  @Option(names = "--trace-dir", paramLabel = "DIR", description = "write both traces of each scenario there")
  Path traceDir;

  @Option(names = "--criu", description = "checkpoint and restart steps by real CRIU ($LEASE_CR_CRIU, else "
      + "third_party/criu's build: 4.2, or with --type-guess open-mode the patched one of build.sh --fixed-guess): "
      + "each scenario's restarts compared with CRIU's dump and restore")
  boolean criu;

  @picocli.CommandLine.Mixin TypeGuessOption typeGuess;

  @Option(names = "--verbose", description = "the side-by-side traces even when they agree")
  boolean verbose;

  @Option(names = "--jobs", paramLabel = "N", description = "scenarios compared side by side (default"
      + " ${DEFAULT-VALUE}); the report is the same, in the same order, whatever N (--criu runs one at a time)",
      defaultValue = "1")
  int jobs;

  @Option(names = "--passes", paramLabel = "N", description = "compare the whole list N times (default"
      + " ${DEFAULT-VALUE}): a flaky comparison shows as a difference in some pass", defaultValue = "1")
  int passes;

  @Option(names = "--no-progress", description = "no progress line on stderr")
  boolean noProgress;

  @Option(names = "--inject-fault", paramLabel = "FAULT", converter = FaultName.class,
      completionCandidates = FaultName.class,
      description = "a deliberately wrong rule, to see a difference: ${COMPLETION-CANDIDATES}")
  Fault fault;

  /** Faults by their configuration names (resignal-later-openers). */
  static final class FaultName implements ITypeConverter<Fault>, Iterable<String> {
    @Override
    public Fault convert(String value) {
      try {
        return Fault.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("must be one of " + this + ", got '" + value + "'");
      }
    }

    @Override
    public Iterator<String> iterator() {
      return Arrays.stream(Fault.values()).map(Fault::configName).iterator();
    }

    @Override
    public String toString() {
      return String.join(", ", this);
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    List<String> faults = new ArrayList<>();
    if (fault != null) {
      faults.add(fault.configName());
    }
    List<Scenario> scenarios = typeGuess.apply(RunCommand.scenarios(files));
    if (traceDir != null) {
      OutputPaths.checkDirectory("--trace-dir", traceDir);
    }
    Path helper;
    try {
      helper = KernelSide.check();
    } catch (NativeProgram.Unavailable e) {
      System.err.println("emulator: the kernel side cannot run on this machine: " + e.getMessage());
      return KERNEL_UNAVAILABLE;
    }
    Path criuBinary = null;
    if (criu) {
      try {
        criuBinary = io.leasecr.node.criu.CriuBinary.find(typeGuess.guess());
        System.out.println("CRIU: " + criuBinary + " (emulator's criu mode: " + typeGuess.guess() + " type guess)");
      } catch (NativeProgram.Unavailable e) {
        System.err.println("emulator: CRIU cannot run on this machine: " + e.getMessage());
        return KERNEL_UNAVAILABLE;
      }
    }
    if (jobs < 1 || jobs > 64 || passes < 1) {
      System.err.println("emulator: conform: --jobs must be 1 to 64 and --passes at least 1");
      return Main.BAD_INPUT;
    }
    int[] counts = new int[3]; // agree, differ, skipped
    Path criuAt = criuBinary;
    int total = scenarios.size() * passes;
    long start = System.currentTimeMillis();
    InOrder.run(total, criu ? 1 : jobs, k -> compare(scenarios.get(k % scenarios.size()), helper, criuAt, faults),
        ended -> progress(ended, total, start), report -> {
          if (!noProgress) {
            System.err.print("\r" + " ".repeat(72) + "\r"); // the progress line makes way for the report
            System.err.flush();
          }
          System.out.print(report.text());
          counts[report.kind()]++;
        });
    if (!noProgress) {
      System.err.print("\r" + " ".repeat(100) + "\r");
    }
    System.out.printf("%d agree, %d differ, %d not kernel-runnable%s%n", counts[0], counts[1], counts[2],
        passes > 1 ? " (" + passes + " passes of " + scenarios.size() + " scenarios, "
            + String.format("%.1f", (System.currentTimeMillis() - start) / 60_000.0) + " min, " + jobs + " jobs)" : "");
    return counts[1] == 0 ? Main.OK : Main.FAILED;
  }

  /** One scenario's report: {@code kind} 0 agree, 1 differ (or failed), 2 not kernel-runnable. */
  private record Report(int kind, String text) {}

  private Report compare(Scenario s, Path helper, Path criuBinary, List<String> faults) throws InterruptedException {
    StringBuilder out = new StringBuilder();
    Conformance.Outcome r;
    try {
      r = criuBinary != null ? io.leasecr.node.criu.CriuConformance.run(s, helper, criuBinary)
          : Conformance.run(s, helper, ConfigFactory.empty().withValue("lease-cr.kernel.inject-faults",
          ConfigValueFactory.fromIterable(faults)));
    } catch (io.leasecr.node.criu.CriuConformance.PredictedFailure e) {
      // CRIU refused the restore where the emulator's note says it does
      return new Report(0, "AGREE  " + s.name() + ": " + e.getMessage() + "\n");
    } catch (IOException e) {
      // not compared: counted as a failure, and the other scenarios still run
      return new Report(1, "FAILED " + s.name() + " (" + s.source() + "): the kernel run failed: " + e.getMessage() + "\n");
    }
    if (r.skipped() != null) {
      return new Report(2, "SKIP   " + s.name() + ": not kernel-runnable: " + r.skipped() + "\n");
    }
    writeTraces(r);
    if (r.comparison().agree()) {
      out.append(String.format("AGREE  %s: %d events compared, largest time difference %d ms (tolerance %d ms = %d "
          + "+ measured scheduling delay %d; real time = emulated x %.4f)%n", s.name(),
          r.comparison().comparedEvents(), r.comparison().maxTimeDiffMs(), r.toleranceMs(), r.scale().toleranceMs(),
          r.schedulingDelayMs(), r.scale().factor()));
      if (r.racy()) {
        out.append("       ").append(r.race()).append("; the emulator's way is one of them\n");
      }
      if (verbose) {
        out.append(r.comparison().sideBySide());
      }
      return new Report(0, out.toString());
    }
    out.append("DIFFER ").append(s.name()).append(" (").append(s.source()).append("):\n");
    if (r.racy()) {
      out.append("  ").append(r.race()).append("; the emulator's way is none of them (compared below: the last)\n");
    }
    r.comparison().differences().forEach(d -> out.append("  ").append(d).append('\n'));
    out.append(r.comparison().sideBySide());
    return new Report(1, out.toString());
  }

  private void progress(int ended, int total, long start) {
    if (noProgress) {
      return;
    }
    long ms = System.currentTimeMillis() - start;
    long left = ended == 0 ? 0 : ms * (total - ended) / ended / 1000;
    System.err.printf("\r[%d/%d compared, %.1f/min, about %d:%02d left] ", ended, total, ended * 60_000.0 / Math.max(1, ms),
        left / 60, left % 60);
    System.err.flush();
  }

  private void writeTraces(Conformance.Outcome r) {
    if (traceDir == null) {
      return;
    }
    Path dir = traceDir;
    try {
      RunCommand.writeTrace(dir.resolve(r.scenario().name() + ".emulator.jsonl"), r.emulator());
      RunCommand.writeTrace(dir.resolve(r.scenario().name() + ".kernel.jsonl"), r.kernel());
    } catch (IOException e) {
      System.err.println("emulator: cannot write traces to " + dir + ": " + OutputPaths.why(e));
    }
  }
}
