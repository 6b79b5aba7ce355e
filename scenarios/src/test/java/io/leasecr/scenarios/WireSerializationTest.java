package io.leasecr.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.leasecr.core.scenario.Emulation;
import io.leasecr.core.scenario.Expectations;
import io.leasecr.core.scenario.Scenario;
import io.leasecr.core.scenario.ScenarioParser;
import io.leasecr.core.time.TimeMode;
import io.leasecr.core.trace.TraceJson;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every message of every shipped scenario goes through protobuf and back (Pekko's
 * serialize-messages, with Java serialization off), and the run is the same as without.
 */
class WireSerializationTest {

  @TestFactory
  Stream<DynamicTest> everyMessageRoundTripsThroughProtobuf() {
    return ShippedScenarios.all().stream().map(path -> DynamicTest.dynamicTest(path.getFileName().toString(), () -> {
      Scenario s = ScenarioParser.parse(path);
      Emulation.Result plain = Emulation.run(s);
      Emulation.Result wired = Emulation.run(s, TimeMode.VIRTUAL, 1.0, Duration.ofMinutes(2),
          ConfigFactory.parseString("pekko.actor.serialize-messages = on\npekko.actor.allow-java-serialization = off"));
      assertThat(Expectations.check(s, wired.events())).isEmpty();
      assertThat(wired.events().stream().map(TraceJson::line).toList())
          .isEqualTo(plain.events().stream().map(TraceJson::line).toList());
    }));
  }
}
