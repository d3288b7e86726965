package kvstore.cli;

import kvstore.testing.InProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Docker HEALTHCHECK command's exit codes against a live node, a stopped one and bad arguments. */
class HealthCheckTest {
  @TempDir
  Path dir;

  @Test
  void exitCodesFollowTheNodesHealth() {
    String gossip;
    try (InProcessCluster c = new InProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1)).start()) {
      String port = String.valueOf(c.config(0).getInteger("httpPort"));
      gossip = "127.0.0.1:" + port;
      assertEquals(0, HealthCheck.run(new String[] {gossip}, Map.of()));
      // inside the container the command has no argument: the node's own variables name it
      assertEquals(0, HealthCheck.run(new String[0], Map.of("KV_HOST", "127.0.0.1", "KV_HTTP_PORT", port)));
    }
    assertEquals(1, HealthCheck.run(new String[] {gossip}, Map.of()), "a stopped node is unhealthy");
  }

  @Test
  void badArgumentsExitWithTwoAndHelpWithZero() {
    assertEquals(2, HealthCheck.run(new String[] {"--node"}, Map.of()));
    assertEquals(2, HealthCheck.run(new String[] {"127.0.0.1"}, Map.of()), "no port");
    assertEquals(2, HealthCheck.run(new String[] {"127.0.0.1:8001/x"}, Map.of()), "a path is not host:port");
    assertEquals(2, HealthCheck.run(new String[] {"a:1", "b:2"}, Map.of()));
    assertEquals(0, HealthCheck.run(new String[] {"--help"}, Map.of()));
  }
}
