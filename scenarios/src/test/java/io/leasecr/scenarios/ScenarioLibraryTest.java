package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.Expectations;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.trace.TraceJson;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every shipped scenario runs, meets its expectations, and gives a byte-identical trace twice. */
class ScenarioLibraryTest {

  @Test
  void theLibraryIsThere() {
    assertThat(ShippedScenarios.all()).hasSizeGreaterThanOrEqualTo(20);
  }

  @TestFactory
  Stream<DynamicTest> everyScenarioMeetsItsExpectations() {
    return ShippedScenarios.all().stream().map(path -> DynamicTest.dynamicTest(name(path), () -> {
      Scenario s = ScenarioParser.parse(path);
      Emulation.Result result = Emulation.run(s);
      assertThat(Expectations.check(s, result.events())).as("failed expectations of " + path).isEmpty();
      assertThat(s.steps().stream().anyMatch(st -> !st.expect().isEmpty()) || !s.expectations().isEmpty())
          .as(path + " has expectations").isTrue();
    }));
  }

  @TestFactory
  Stream<DynamicTest> twoRunsGiveByteIdenticalTraces() {
    return ShippedScenarios.all().stream().map(path -> DynamicTest.dynamicTest(name(path), () -> {
      Scenario s = ScenarioParser.parse(path);
      List<String> first = json(Emulation.run(s));
      List<String> second = json(Emulation.run(s));
      assertThat(first).isNotEmpty();
      assertThat(second).isEqualTo(first);
    }));
  }

  private static List<String> json(Emulation.Result r) {
    return r.events().stream().map(TraceJson::line).toList();
  }

  private static String name(Path p) {
    return ShippedScenarios.root().relativize(p).toString();
  }
}
