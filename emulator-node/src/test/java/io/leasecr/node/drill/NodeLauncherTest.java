package io.leasecr.node.drill;

import static org.assertj.core.api.Assertions.assertThat;

import io.leasecr.node.cli.Main;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/** The node JVM's main class is named, not linked (the drill tooling does not depend on cli): the name must stay right. */
class NodeLauncherTest {

  @Test
  void theNodeMainClassIsTheCommandLinesEntryPoint() throws Exception {
    assertThat(NodeLauncher.NODE_MAIN).isEqualTo(Main.class.getName());
    Method main = Class.forName(NodeLauncher.NODE_MAIN).getMethod("main", String[].class);
    assertThat(Modifier.isStatic(main.getModifiers())).isTrue();
  }

  @Test
  void bigDrillsNodesCollectInParallelSmallOnesSerially() {
    assertThat(NodeLauncher.collector(1000)).isEqualTo("-XX:+UseSerialGC");
    assertThat(NodeLauncher.collector(100_000)).isEqualTo("-XX:+UseParallelGC");
  }
}
