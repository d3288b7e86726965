package kvstore.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The node command line the local cluster launches, on the JVMs it must start on. */
class LocalClusterTest {
  @Test
  void unsafeOptionOnlyForJvmsThatKnowIt() {
    assertEquals(List.of("/j/bin/java", "-Xmx256m", "-jar", "node.jar", "-conf", "config/node1.json"),
        LocalCluster.nodeCommand("/j/bin/java", 17, "node.jar", "config/node1.json"));
    assertEquals(List.of("/j/bin/java", "-Xmx256m", "--sun-misc-unsafe-memory-access=allow", "-jar", "node.jar", "-conf", "config/node1.json"),
        LocalCluster.nodeCommand("/j/bin/java", 25, "node.jar", "config/node1.json"));
    assertEquals(List.of(), JvmFlags.forJava(22), "Java 22 does not know the option");
    assertEquals(List.of("--sun-misc-unsafe-memory-access=allow"), JvmFlags.forJava(23));
  }
}
