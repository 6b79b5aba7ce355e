package io.leasecr.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnitAccess;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.leasecr.core.locks.LeaseTable;
import io.leasecr.node.cli.Main;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/architecture.md against the tree (issue 13 item 7): its package list names every package of
 * emulator-core and emulator-node and no other; its "Who sends what" table covers every record of every
 * actor protocol (a sealed {@code Command} interface nested in its actor) has a row, every row names a message
 * that exists, and the senders a row names are exactly the classes of the main code that build that message
 * (a constructor call, a constructor reference or a static factory of the record), leaving out the codecs that
 * rebuild a message on the node it crossed to (WireCodec, CheckpointCodec).
 */
class ArchitectureDocTest {

  private static final Path DOC = Path.of("../docs/architecture.md");
  private static final Set<String> CODECS = Set.of("WireCodec", "CheckpointCodec");
  private static final Pattern ROW = Pattern.compile("^\\|([^|]*)\\|\\s*`([\\w.]+)`\\s*\\|([^|]*)\\|.*$");

  private static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importUrls(List.of(location(LeaseTable.class), location(Main.class)));

  /** Where a class was loaded from: a classes directory under `mvn test`, the module's jar under `mvn verify`. */
  private static URL location(Class<?> c) {
    Path p = PackageCyclesTest.classesOf(c);
    try {
      return p.toString().endsWith(".jar") ? new URL("jar:" + p.toUri() + "!/") : p.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void thePackageListNamesEveryPackageOfBothModules() throws IOException {
    Set<String> inCode = new TreeSet<>();
    for (JavaClass c : MAIN) {
      String[] parts = c.getPackageName().split("\\.");
      if (parts.length >= 4) {
        inCode.add(parts[2] + "/" + parts[3]); // core/kernel, node/cluster
      }
    }
    Set<String> inDoc = new TreeSet<>();
    String module = null;
    Pattern pkg = Pattern.compile("^  ([a-z]+)/\\s.*");
    for (String line : Files.readAllLines(DOC)) {
      if (line.startsWith("emulator-core/src/main/java/io/leasecr/core/")) {
        module = "core";
      } else if (line.startsWith("emulator-node/src/main/java/io/leasecr/node/")) {
        module = "node";
      } else if (!line.startsWith(" ")) {
        module = null;
      }
      Matcher m = pkg.matcher(line);
      if (module != null && m.matches()) {
        assertThat(inDoc.add(module + "/" + m.group(1))).as(module + "/" + m.group(1) + " listed twice").isTrue();
      }
    }
    assertThat(inCode).as("packages found").contains("core/locks", "node/cli");
    Set<String> missing = new TreeSet<>(inCode);
    missing.removeAll(inDoc);
    Set<String> gone = new TreeSet<>(inDoc);
    gone.removeAll(inCode);
    assertThat(missing).as("packages of the tree missing from " + DOC + "'s list (add a line '  NAME/  what it owns'"
        + " under its module)").isEmpty();
    assertThat(gone).as("packages " + DOC + " lists that the tree does not have").isEmpty();
  }

  @Test
  void theTableListsEveryCommandOfEveryActorProtocolWithItsSenders() throws IOException {
    Map<String, Set<String>> inCode = commandsAndSenders();
    assertThat(inCode).as("actor protocols found").containsKeys("LockManager.Open", "ProcessTable.Spawn",
        "ProcessActor.Signal", "CheckpointCoordinator.Commit", "ScenarioRunner.NextStep", "ClockKeeper.Freeze");
    Map<String, Set<String>> inDoc = table();

    Set<String> noRow = new TreeSet<>(inCode.keySet());
    noRow.removeAll(inDoc.keySet());
    Set<String> noRecord = new TreeSet<>(inDoc.keySet());
    noRecord.removeAll(inCode.keySet());
    List<String> rowsToAdd = noRow.stream().map(r -> "| " + String.join(", ", inCode.get(r)) + " | `" + r + "` | ...")
        .toList();
    assertThat(rowsToAdd).as("Command records with no row in " + DOC + "'s table (senders as the code has them)")
        .isEmpty();
    assertThat(noRecord).as("rows of " + DOC + "'s table naming no Command record").isEmpty();
    List<String> wrong = new ArrayList<>();
    inCode.forEach((msg, senders) -> {
      if (inDoc.containsKey(msg) && !senders.equals(inDoc.get(msg))) {
        wrong.add(msg + ": the table says " + inDoc.get(msg) + ", the code builds it in " + senders);
      }
    });
    assertThat(wrong).as("senders in the table that differ from the code").isEmpty();
  }

  /** Each Command record, as Actor.Record, with the top-level classes that build it. */
  private static Map<String, Set<String>> commandsAndSenders() {
    Map<String, Set<String>> out = new TreeMap<>();
    for (JavaClass c : MAIN) {
      if (c.getSimpleName().equals("Command") && c.isInterface() && c.getEnclosingClass().isPresent()) {
        Class<?> protocol = c.reflect();
        if (protocol.isSealed()) {
          leaves(protocol).forEach(r -> out.put(name(r.getName()), new TreeSet<>()));
        }
      }
    }
    for (JavaClass from : MAIN) {
      List<JavaCodeUnitAccess<?>> builds = new ArrayList<>();
      builds.addAll(from.getConstructorCallsFromSelf());
      builds.addAll(from.getConstructorReferencesFromSelf());
      from.getMethodCallsFromSelf().stream()
          .filter(m -> m.getTarget().resolveMember().map(t -> t.getModifiers().contains(JavaModifier.STATIC)).orElse(false))
          .forEach(builds::add);
      for (JavaCodeUnitAccess<?> b : builds) {
        String target = b.getTargetOwner().getName();
        Set<String> senders = out.get(name(target));
        String sender = topLevel(from.getName());
        if (senders != null && !from.getName().equals(target) && !from.getName().startsWith(target + "$")
            && !CODECS.contains(sender)) {
          senders.add(sender);
        }
      }
    }
    return out;
  }

  private static List<Class<?>> leaves(Class<?> c) {
    if (!c.isSealed()) {
      return List.of(c);
    }
    return Stream.of(c.getPermittedSubclasses()).flatMap(p -> leaves(p).stream()).toList();
  }

  /** io.leasecr.core.kernel.LockManager$Open -> LockManager.Open */
  private static String name(String binary) {
    return binary.substring(binary.lastIndexOf('.') + 1).replace('$', '.');
  }

  private static String topLevel(String binary) {
    String simple = binary.substring(binary.lastIndexOf('.') + 1);
    int inner = simple.indexOf('$');
    return inner < 0 ? simple : simple.substring(0, inner);
  }

  /** The rows of the table under "## Who sends what": message -> senders. */
  private static Map<String, Set<String>> table() throws IOException {
    Map<String, Set<String>> rows = new TreeMap<>();
    boolean in = false;
    for (String line : Files.readAllLines(DOC)) {
      if (line.startsWith("## ")) {
        in = line.startsWith("## Who sends what");
        continue;
      }
      Matcher m = ROW.matcher(line);
      if (in && m.matches()) {
        Set<String> senders = new TreeSet<>();
        for (String s : m.group(1).split(",")) {
          if (!s.isBlank()) {
            senders.add(s.strip());
          }
        }
        assertThat(rows.put(m.group(2), senders)).as("a second row for " + m.group(2)).isNull();
      }
    }
    assertThat(rows).as("the table under '## Who sends what' in " + DOC).isNotEmpty();
    return rows;
  }
}
