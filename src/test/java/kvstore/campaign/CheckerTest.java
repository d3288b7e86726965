package kvstore.campaign;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker on hand-made histories: ones that must pass, and a lost write, a stale read, a resurrection that must not. */
class CheckerTest {
  private final List<Op> h = new ArrayList<>();
  private long ids;

  private static final long MS = 1_000_000;

  private Op op(Op.Type type, String key, String value, long from, long to, Op.Outcome outcome, String consistency) {
    Op o = new Op(++ids, 0, type, key, value, 0, "node1", consistency, from * MS, to * MS, outcome, null);
    h.add(o);
    return o;
  }

  private Op put(String key, String value, long from, long to, Op.Outcome outcome) {
    return op(Op.Type.PUT, key, value, from, to, outcome, "QUORUM");
  }

  private Op get(String key, String value, long from, long to) {
    return op(Op.Type.GET, key, value, from, to, Op.Outcome.OK, "QUORUM");
  }

  private static Op finalRead(String key, String value) {
    return new Op(0, -1, Op.Type.GET, key, value, 0, "node1", "ALL", 1_000_000 * MS, 1_000_001 * MS, Op.Outcome.OK, null);
  }

  private List<Checker.Violation> check(Op... finals) {
    return Checker.readmePromises().check(h, List.of(finals));
  }

  @Test
  void aCleanHistoryPasses() {
    put("k", "v1", 0, 10, Op.Outcome.OK);
    get("k", "v1", 20, 30);
    put("k", "v2", 40, 50, Op.Outcome.OK);
    get("k", "v2", 60, 70);
    // a read concurrent with a write may see either
    put("k", "v3", 100, 200, Op.Outcome.OK);
    get("k", "v2", 110, 120);
    get("k", "v3", 150, 160);
    assertEquals(List.of(), check(finalRead("k", "v3")));
  }

  @Test
  void aLostAcknowledgedWriteIsFound() {
    put("k", "v1", 0, 10, Op.Outcome.OK);
    put("k", "v2", 20, 30, Op.Outcome.OK);
    List<Checker.Violation> v = check(finalRead("k", "v1"));
    assertEquals(1, v.size(), v.toString());
    assertEquals("lost write", v.get(0).kind());
    assertTrue(v.get(0).toString().contains("k=v2"), v.toString());
  }

  @Test
  void aStaleReadAfterAnAcknowledgedWriteIsFound() {
    put("k", "v1", 0, 10, Op.Outcome.OK);
    put("k", "v2", 20, 30, Op.Outcome.OK);
    get("k", "v1", 40, 50);
    List<Checker.Violation> v = check(finalRead("k", "v2"));
    assertEquals(1, v.size(), v.toString());
    assertEquals("stale read", v.get(0).kind());
  }

  @Test
  void anIndeterminateWriteMayExplainALaterValue() {
    put("k", "v1", 0, 10, Op.Outcome.OK);
    // timed out: it may take effect any time later, even after v2 was acknowledged
    put("k", "late", 15, 16, Op.Outcome.INFO);
    put("k", "v2", 20, 30, Op.Outcome.OK);
    get("k", "late", 40, 50);
    assertEquals(List.of(), check(finalRead("k", "late")));
  }

  @Test
  void aFailedWriteMustNeverBeRead() {
    put("k", "v1", 0, 10, Op.Outcome.OK);
    put("k", "never", 15, 16, Op.Outcome.FAIL);
    get("k", "never", 40, 50);
    List<Checker.Violation> v = check(finalRead("k", "v1"));
    assertEquals("failed write read", v.get(0).kind(), v.toString());
  }

  @Test
  void aResurrectionAfterAnAcknowledgedDeleteIsFound() {
    put("k", "v1", 0, 10, Op.Outcome.OK);
    op(Op.Type.DELETE, "k", null, 20, 30, Op.Outcome.OK, "QUORUM");
    get("k", null, 40, 50);
    get("k", "v1", 60, 70);
    List<Checker.Violation> v = check(finalRead("k", null));
    assertEquals(1, v.size(), v.toString());
    assertEquals("resurrection", v.get(0).kind());
    // and the same value back at the end is a resurrection that stayed
    h.clear();
    put("k", "v1", 0, 10, Op.Outcome.OK);
    op(Op.Type.DELETE, "k", null, 20, 30, Op.Outcome.OK, "QUORUM");
    assertEquals("resurrection", check(finalRead("k", "v1")).get(0).kind());
  }

  @Test
  void weakReadsAndWritesPromiseNoOrderButNeverAFailedValue() {
    op(Op.Type.PUT, "k", "v1", 0, 10, Op.Outcome.OK, "ONE");
    op(Op.Type.PUT, "k", "v2", 20, 30, Op.Outcome.OK, "ONE");
    op(Op.Type.GET, "k", "v1", 40, 50, Op.Outcome.OK, "QUORUM");
    op(Op.Type.GET, "k", "v1", 40, 50, Op.Outcome.OK, "ONE");
    assertEquals(List.of(), check(finalRead("k", "v2")));
  }

  @Test
  void aValueIsNotReadAfterItsTtl() {
    h.add(new Op(++ids, 0, Op.Type.PUT, "k", "short", 1000, "node1", "QUORUM", 0, 10 * MS, Op.Outcome.OK, null));
    get("k", "short", 500, 510);
    get("k", "short", 5000, 5010);
    List<Checker.Violation> v = check(finalRead("k", null));
    assertEquals(1, v.size(), v.toString());
    assertEquals("expired value read", v.get(0).kind());
  }

  @Test
  void aHistoryRoundTripsThroughJsonLines() {
    Op o = put("k", "v1", 0, 10, Op.Outcome.INFO);
    assertEquals(o, Op.fromJson(new io.vertx.core.json.JsonObject(o.toJson().encode())));
  }
}
