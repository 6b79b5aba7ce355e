package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's {@code emulator} script: the JVM options it picks per command, read from a stand-in
 * {@code java} on the PATH that prints its arguments (a copy of the script beside a dummy jar, so it builds
 * nothing).
 */
class LauncherScriptTest {

  @TempDir
  Path tmp;

  private String javaArgs(Map<String, String> env, String... args) throws IOException, InterruptedException {
    Path home = tmp.resolve("repo");
    Path bin = tmp.resolve("bin");
    Files.createDirectories(home.resolve("emulator-node/target"));
    Files.createDirectories(bin);
    Files.write(home.resolve("emulator-node/target/emulator.jar"), new byte[0]);
    Path script = Files.copy(ShippedScenarios.root().getParent().resolve("emulator"), home.resolve("emulator"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path java = bin.resolve("java");
    Files.writeString(java, "#!/bin/sh\necho \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    pb.environment().remove("EMULATOR_JAVA_OPTS");
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void theExplorerRunsOnC1AndExperimentsOnC2() throws Exception {
    assertThat(javaArgs(Map.of(), "explore", "x.yaml"))
        .startsWith("-XX:+UseParallelGC -XX:TieredStopAtLevel=1 ").endsWith("-jar " + tmp.resolve("repo")
            .resolve("emulator-node/target/emulator.jar") + " explore x.yaml");
    assertThat(javaArgs(Map.of(), "experiment", "x.yaml")).contains("-XX:+UseParallelGC")
        .doesNotContain("Tiered");
    assertThat(javaArgs(Map.of(), "run", "x.yaml")).doesNotContain("Tiered").doesNotContain("UseParallelGC");
  }

  @Test
  void aTieredOptionOfTheUsersKeepsTheExplorerOnItsChoice() throws Exception {
    String args = javaArgs(Map.of("EMULATOR_JAVA_OPTS", "-XX:+TieredCompilation"), "explore", "x.yaml");
    assertThat(args).doesNotContain("TieredStopAtLevel").contains("-XX:+TieredCompilation");
    assertThat(javaArgs(Map.of("EMULATOR_JAVA_OPTS", "-XX:+UseG1GC"), "explore", "x.yaml"))
        .contains("-XX:TieredStopAtLevel=1").contains("-XX:+UseG1GC").doesNotContain("UseParallelGC");
  }
}
