package io.leasecr.node.cli;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.leasecr.core.locks.Fault;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.node.conform.Conformance;
import io.leasecr.node.conform.KernelSide;
import io.leasecr.node.linux.NativeProgram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code emulator conform FILE...}: each scenario on the emulator and on this machine's kernel, compared. */
final class ConformCommand {

  static final int KERNEL_UNAVAILABLE = 3;

  private ConformCommand() {}

  static int run(String[] args) throws InterruptedException {
    Options o = Options.parse(args, Set.of("--trace-dir", "--inject-fault"), Set.of("--verbose"));
    if (o.positional.isEmpty()) {
      throw new Main.UsageException("conform needs at least one scenario file");
    }
    List<String> faults = new ArrayList<>();
    if (o.has("--inject-fault")) {
      try {
        faults.add(Fault.parse(o.get("--inject-fault", "")).configName());
      } catch (IllegalArgumentException e) {
        throw new Main.UsageException("--inject-fault must be one of " + List.of(Fault.values()));
      }
    }
    List<Scenario> scenarios = Options.scenarios(o.positional);
    if (scenarios == null) {
      return Main.BAD_INPUT;
    }
    Path helper;
    try {
      helper = KernelSide.check();
    } catch (NativeProgram.Unavailable e) {
      System.err.println("emulator: the kernel side cannot run on this machine: " + e.getMessage());
      return KERNEL_UNAVAILABLE;
    }
    int agree = 0;
    int differ = 0;
    int skipped = 0;
    for (Scenario s : scenarios) {
      Conformance.Outcome r;
      try {
        r = Conformance.run(s, helper, ConfigFactory.empty().withValue("lease-cr.kernel.inject-faults",
            ConfigValueFactory.fromIterable(faults)));
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
      writeTraces(o, r);
      if (r.comparison().agree()) {
        agree++;
        System.out.printf("AGREE  %s: %d events compared, largest time difference %d ms (tolerance %d ms = %d "
            + "+ measured scheduling delay %d; real time = emulated x %.4f)%n", s.name(),
            r.comparison().comparedEvents(), r.comparison().maxTimeDiffMs(), r.toleranceMs(), r.scale().toleranceMs(),
            r.schedulingDelayMs(), r.scale().factor());
        if (o.has("--verbose")) {
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

  private static void writeTraces(Options o, Conformance.Outcome r) {
    if (!o.has("--trace-dir")) {
      return;
    }
    Path dir = Path.of(o.get("--trace-dir", "."));
    try {
      Files.createDirectories(dir);
      RunCommand.writeTrace(dir.resolve(r.scenario().name() + ".emulator.jsonl"), r.emulator());
      RunCommand.writeTrace(dir.resolve(r.scenario().name() + ".kernel.jsonl"), r.kernel());
    } catch (IOException e) {
      System.err.println("emulator: cannot write traces to " + dir + ": " + e.getMessage());
    }
  }
}
