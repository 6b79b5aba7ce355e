package io.leasecr.node.cli;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.leasecr.core.locks.Fault;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.node.conform.Conformance;
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
    int agree = 0;
    int differ = 0;
    int skipped = 0;
    for (Scenario s : scenarios) {
      Conformance.Outcome r;
      try {
        r = criuBinary != null ? io.leasecr.node.criu.CriuConformance.run(s, helper, criuBinary)
            : Conformance.run(s, helper, ConfigFactory.empty().withValue("lease-cr.kernel.inject-faults",
            ConfigValueFactory.fromIterable(faults)));
      } catch (io.leasecr.node.criu.CriuConformance.PredictedFailure e) {
        agree++; // CRIU refused the restore where the emulator's note says it does
        System.out.println("AGREE  " + s.name() + ": " + e.getMessage());
        continue;
      } catch (IOException e) {
        differ++; // not compared: counted as a failure, and the other scenarios still run
        System.out.println("FAILED " + s.name() + " (" + s.source() + "): the kernel run failed: " + e.getMessage());
        continue;
      }
      if (r.skipped() != null) {
        skipped++;
        System.out.println("SKIP   " + s.name() + ": not kernel-runnable: " + r.skipped());
        continue;
      }
      writeTraces(r);
      if (r.comparison().agree()) {
        agree++;
        System.out.printf("AGREE  %s: %d events compared, largest time difference %d ms (tolerance %d ms = %d "
            + "+ measured scheduling delay %d; real time = emulated x %.4f)%n", s.name(),
            r.comparison().comparedEvents(), r.comparison().maxTimeDiffMs(), r.toleranceMs(), r.scale().toleranceMs(),
            r.schedulingDelayMs(), r.scale().factor());
        if (verbose) {
          System.out.print(r.comparison().sideBySide());
        }
      } else {
        differ++;
        System.out.println("DIFFER " + s.name() + " (" + s.source() + "):");
        r.comparison().differences().forEach(d -> System.out.println("  " + d));
        System.out.print(r.comparison().sideBySide());
      }
    }
    System.out.printf("%d agree, %d differ, %d not kernel-runnable%n", agree, differ, skipped);
    return differ == 0 ? Main.OK : Main.FAILED;
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
