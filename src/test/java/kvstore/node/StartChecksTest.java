package kvstore.node;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartChecksTest {
  private static final long DAY = 24 * 3600_000L;
  private static final long GRACE = 10 * DAY;
  private static final long NOW = 1_800_000_000_000L;

  private static NodeStateFile.State state(String node, String cluster, long lastContact) {
    return new NodeStateFile.State(node, cluster, 0, 0, lastContact);
  }

  @Test
  void aNewDirectoryOrItsOwnRecentDataStarts() {
    assertNull(StartChecks.refusal("node1", "kv", "/d", null, true, NOW, GRACE, false));
    assertNull(StartChecks.refusal("node1", "kv", "/d", state("node1", "kv", NOW - DAY), true, NOW, GRACE, false));
    assertNull(StartChecks.refusal("node1", "kv", "/d", state("node1", "kv", 0), true, NOW, GRACE, false), "never in touch: nothing to judge");
  }

  @Test
  void anotherNodesOrClustersDataIsRefusedNamingBoth() {
    String other = StartChecks.refusal("node1", "kv", "/d", state("node2", "kv", NOW), true, NOW, GRACE, false);
    assertTrue(other.contains("'node2'") && other.contains("'node1'") && other.contains("/d"), other);
    String cluster = StartChecks.refusal("node1", "kv", "/d", state("node1", "prod", NOW), true, NOW, GRACE, false);
    assertTrue(cluster.contains("'prod'") && cluster.contains("'kv'"), cluster);
  }

  @Test
  void aDirectoryThatWasNeverPartOfARingMayChangeIdOrCluster() {
    assertNull(StartChecks.refusal("node1", "kv", "/d", state("node2", "prod", NOW), false, NOW, GRACE, false));
  }

  @Test
  void dataOlderThanTheGracePeriodIsRefusedUnlessAllowed() {
    String stale = StartChecks.refusal("node1", "kv", "/d", state("node1", "kv", NOW - 11 * DAY), true, NOW, GRACE, false);
    assertTrue(stale.contains("11 days") && stale.contains("replaceNode") && stale.contains("allowStaleRejoin"), stale);
    assertNull(StartChecks.refusal("node1", "kv", "/d", state("node1", "kv", NOW - 11 * DAY), true, NOW, GRACE, true));
    assertNull(StartChecks.refusal("node1", "kv", "/d", state("node1", "kv", NOW - 9 * DAY), true, NOW, GRACE, false));
  }
}
