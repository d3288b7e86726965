package kvstore.e2e;

import kv.Kv;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The log level each node prints at comes from its config: `logLevel`, and `debug` for the trace lines. */
class LoggingIT {
  @TempDir
  Path dir;

  @Test
  void eachNodePrintsOnlyTheLevelsItsConfigAsksFor() throws Exception {
    // node1 at WARN, node2 at the default INFO, node3 with the prototype's debug trace
    List<String> levels = List.of("WARN", "INFO", "INFO");
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> {
      cfg.put("logLevel", levels.get(i));
      if (i == 2) {
        cfg.put("debug", true);
      }
    }).start()) {
      for (int n = 0; n < 3; n++) {
        assertTrue(c.client(n).put("k" + n, "v" + n, Kv.Consistency.ALL).getOk());
      }
      assertEquals("v0", c.client(2).get("k0", Kv.Consistency.ALL).getValue());

      String warnOnly = c.log(0);
      assertFalse(warnOnly.contains(" INFO "), "node1 at WARN printed INFO lines:\n" + warnOnly);
      assertFalse(warnOnly.contains("[WRITE]"), warnOnly);

      String info = c.log(1);
      assertTrue(info.contains(" INFO [node2] node node2 serving clients on"), info);
      assertTrue(info.contains(" INFO [node2] [GOSSIP] New node discovered: node1"), info);
      assertFalse(info.contains(" DEBUG "), "node2 at INFO printed DEBUG lines:\n" + info);

      String trace = c.log(2);
      assertTrue(trace.contains(" DEBUG [node3] [WRITE] k2"), trace);
      assertTrue(trace.contains(" DEBUG [node3] [REPLICAS] k2 -> "), trace);
      assertTrue(trace.contains(" DEBUG [node3] [READ] k0"), trace);
      assertTrue(trace.contains(" INFO [node3] node node3 serving clients on"), trace);
    }
  }
}
