package kvstore.log;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventLogTest {
  @Test
  void textFromTheNetworkCannotForgeLogLines() {
    String forged = EventLog.quote("node2\n2026-12-01T00:00:00Z INFO [node1] all good\r\u2028");
    assertFalse(forged.contains("\n") || forged.contains("\r") || forged.contains("\u2028"), forged);
    assertTrue(forged.startsWith("\"node2\\u000a2026") && forged.endsWith("\\u000d\\u2028\""), forged);
    assertEquals("\"a\\u0022b\"", EventLog.quote("a\"b"), "a quote cannot end the quoted text early");
    assertTrue(EventLog.quote("x".repeat(10_000)).length() < 210, "long text is cut");
    assertEquals("null", EventLog.quote(null));
  }
}
