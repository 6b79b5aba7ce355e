package io.leasecr.core.time;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A node's clock keeper freezes and thaws the node's wall clock; its protocol crosses nodes as protobuf. */
class ClockKeeperTest {

  private final ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("""
      lease-cr.time.clock = wall
      lease-cr.time.scale = 1
      pekko.actor.allow-java-serialization = off
      pekko.actor.serialize-messages = on
      """).withFallback(ConfigFactory.load()));

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void freezesTheNodesClockAndThawsItAtTheNamedInstant() throws InterruptedException {
    WallClock clock = (WallClock) EmulatedTime.clock(kit.system());
    ActorRef<ClockKeeper.Command> keeper = kit.spawn(ClockKeeper.create("n1"));
    TestProbe<ClockKeeper.State> probe = kit.createTestProbe();
    keeper.tell(new ClockKeeper.Freeze(probe.getRef()));
    ClockKeeper.State frozen = probe.receiveMessage();
    assertThat(frozen.node()).isEqualTo("n1");
    assertThat(frozen.frozen()).isTrue();
    Thread.sleep(100);
    assertThat(clock.nowMillis()).as("emulated time stands still").isEqualTo(frozen.atMs());
    keeper.tell(new ClockKeeper.Thaw(frozen.atMs() + 2000, probe.getRef()));
    ClockKeeper.State thawed = probe.receiveMessage();
    assertThat(thawed.frozen()).isFalse();
    assertThat(thawed.atMs()).isBetween(frozen.atMs() + 2000, frozen.atMs() + 2100);
    assertThat(clock.frozen()).isFalse();
  }

  @Test
  void itsMessagesGoThroughTheWireSerializerWithStableManifests() {
    var serialization = SerializationExtension.get(kit.system().classicSystem());
    TestProbe<ClockKeeper.State> probe = kit.createTestProbe();
    for (Object m : new Object[] {new ClockKeeper.Freeze(probe.getRef()), new ClockKeeper.Thaw(1234, probe.getRef()),
        new ClockKeeper.State("n2", 5678, true)}) {
      var serializer = serialization.findSerializerFor(m);
      assertThat(serializer.identifier()).isEqualTo(io.leasecr.core.wire.WireSerializer.IDENTIFIER);
      String manifest = Serializers.manifestFor(serializer, m);
      assertThat(manifest).startsWith("clk-");
      byte[] bytes = serializer.toBinary(m);
      assertThat(serialization.deserialize(bytes, serializer.identifier(), manifest).get()).isEqualTo(m);
    }
  }
}
