package kvstore.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import kv.Kv;
import kvstore.testing.Await;
import kvstore.testing.Http;
import kvstore.testing.InProcessCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP/JSON key API and what the console reads, on three nodes in one JVM, called as curl would. */
class HttpApiTest {
  @TempDir
  static Path dir;
  static InProcessCluster c;

  @BeforeAll
  static void start() {
    c = new InProcessCluster(dir, 3, (i, cfg) -> cfg.put("maxMultiGetKeys", 10)
        .put("failureDetectorPauseMs", 300).put("failureDetectorMinStdDevMs", 100)).start();
  }

  @AfterAll
  static void stop() {
    c.close();
  }

  private static int http(int node) {
    return c.config(node).getInteger("httpPort");
  }

  private static Http.Reply put(int node, String key, String contentType, String body) {
    return Http.send("PUT", http(node), "/v1/kv/" + Http.segment(key), contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  private static Http.Reply get(int node, String path) {
    return Http.send("GET", http(node), path, null, null);
  }

  /** If-None-Match: * and If-Match: a version make a PUT or DELETE a compare-and-set; 412 carries the current state. */
  @Test
  void conditionalWritesAreCompareAndSetAndA412CarriesTheCurrentValue() {
    byte[] alice = "alice".getBytes(StandardCharsets.UTF_8);
    String path = "/v1/kv/" + Http.segment("lock:http");
    Http.Reply first = Http.send("PUT", http(0), path, "text/plain", alice, java.util.Map.of("If-None-Match", "*"));
    assertEquals(200, first.status(), first.body());
    assertTrue(new JsonObject(first.body()).getBoolean("applied"));
    Http.Reply taken = Http.send("PUT", http(1), path, "text/plain", "bob".getBytes(StandardCharsets.UTF_8), java.util.Map.of("If-None-Match", "*"));
    assertEquals(412, taken.status(), taken.body());
    JsonObject held = new JsonObject(taken.body());
    assertFalse(held.getBoolean("applied"));
    assertEquals("alice", held.getString("value"), "the 412 names the current value");
    long version = held.getLong("version");

    Http.Reply read = get(2, path + "?consistency=SERIAL");
    assertEquals(200, read.status(), read.body());
    assertEquals(version, new JsonObject(read.body()).getLong("version"));
    Http.Reply stale = Http.send("PUT", http(2), path, "application/json", "{\"value\": \"bob\"}".getBytes(StandardCharsets.UTF_8),
        java.util.Map.of("If-Match", "\"" + (version - 1) + "\""));
    assertEquals(412, stale.status(), stale.body());
    Http.Reply moved = Http.send("PUT", http(2), path, "application/json", "{\"value\": \"bob\"}".getBytes(StandardCharsets.UTF_8),
        java.util.Map.of("If-Match", "\"" + version + "\""));
    assertEquals(200, moved.status(), moved.body());
    long bobs = new JsonObject(moved.body()).getLong("version");
    assertTrue(bobs > version);
    assertEquals(412, Http.send("DELETE", http(0), path, null, null, java.util.Map.of("If-Match", String.valueOf(version))).status(),
        "a delete on a version that moved on is refused");
    Http.Reply deleted = Http.send("DELETE", http(0), path, null, null, java.util.Map.of("If-Match", String.valueOf(bobs)));
    assertEquals(200, deleted.status(), deleted.body());
    assertEquals(404, get(1, path + "?consistency=SERIAL").status());

    Http.Reply bad = Http.send("PUT", http(0), path, "text/plain", alice, java.util.Map.of("If-Match", "yesterday"));
    assertEquals(400, bad.status());
    assertTrue(new JsonObject(bad.body()).getString("error").contains("If-Match takes one version"), bad.body());
    assertEquals(400, Http.send("PUT", http(0), path, "text/plain", alice, java.util.Map.of("If-None-Match", "\"5\"")).status());
    assertEquals(400, Http.send("PUT", http(0), path, "text/plain", alice, java.util.Map.of("If-None-Match", "*", "If-Match", "5")).status());
  }

  @Test
  void putGetDeleteWithAnyUtf8KeyThroughAnyNode() {
    for (String key : new String[] {"user:1", "a/b c+d%e?f#g", "ключ-日本-🔑", "   "}) {
      Http.Reply w = put(0, key, "text/plain", "v of " + key);
      assertEquals(200, w.status(), w.body());
      JsonObject written = new JsonObject(w.body());
      assertEquals(key, written.getString("key"));
      assertEquals("node1", written.getString("coordinator"));
      Http.Reply r = get(1, "/v1/kv/" + Http.segment(key) + "?consistency=QUORUM");
      assertEquals(200, r.status(), r.body());
      JsonObject read = new JsonObject(r.body());
      assertEquals("v of " + key, read.getString("value"));
      assertEquals(written.getLong("version"), read.getLong("version"));
      assertEquals("node2", read.getString("coordinator"));
      assertEquals("v of " + key, c.client(2).get(key, Kv.Consistency.ALL).getValue(), "the gRPC API sees the same key");
      Http.Reply d = Http.send("DELETE", http(2), "/v1/kv/" + Http.segment(key) + "?consistency=ALL", null, null);
      assertEquals(200, d.status(), d.body());
      assertTrue(new JsonObject(d.body()).getBoolean("deleted"));
      Http.Reply gone = get(0, "/v1/kv/" + Http.segment(key));
      assertEquals(404, gone.status());
      assertEquals("not found", new JsonObject(gone.body()).getString("error"));
    }
  }

  @Test
  void aJsonBodyCarriesTheValueAndATtlAfterWhichTheKeyIsNotFound() {
    Http.Reply w = put(0, "session", "application/json", new JsonObject().put("value", "tok").put("ttlMs", 1500).encode());
    assertEquals(200, w.status(), w.body());
    JsonObject live = new JsonObject(get(1, "/v1/kv/session").body());
    assertEquals("tok", live.getString("value"));
    assertTrue(live.getLong("expiresAt") > System.currentTimeMillis(), live.encode());
    Await.until("the TTL to pass", Duration.ofSeconds(10), () -> get(2, "/v1/kv/session?consistency=ALL").status() == 404);
    assertFalse(c.client(0).get("session", Kv.Consistency.ALL).getFound());
  }

  @Test
  void aValueOfOneMebibyteRoundTripsAndOneByteMoreIsRefusedNamingTheLimit() {
    String mib = "x".repeat(1024 * 1024);
    assertEquals(200, put(0, "big", "text/plain", mib).status());
    assertEquals(mib, new JsonObject(get(2, "/v1/kv/big").body()).getString("value"));
    Http.Reply tooBig = put(0, "big", "text/plain", mib + "y");
    assertEquals(400, tooBig.status());
    assertEquals("value is 1048577 bytes; the limit (maxValueBytes) is 1048576", new JsonObject(tooBig.body()).getString("error"));
    Http.Reply huge = put(0, "big", "text/plain", "z".repeat(3 * 1024 * 1024));
    assertEquals(413, huge.status());
    assertTrue(new JsonObject(huge.body()).getString("error").contains("larger than"), huge.body());
  }

  @Test
  void badInputIsA400NamingWhatIsWrong() {
    assertEquals("consistency must be ONE, QUORUM, ALL or SERIAL (reads), got \"MOST\"", error(get(0, "/v1/kv/k?consistency=MOST"), 400));
    assertEquals("key is 1025 bytes; the limit (maxKeyBytes) is 1024", error(get(0, "/v1/kv/" + "k".repeat(1025)), 400));
    assertEquals("key must not be empty", error(get(0, "/v1/kv/"), 400));
    // Vert.x's own request parsing answers a malformed escape before any route sees it
    assertEquals(400, Http.rawGet(http(0), "/v1/kv/bad%zz").status());
    assertEquals("the key in the path is not valid UTF-8 once percent-decoded", error(get(0, "/v1/kv/%C3%28"), 400));
    assertTrue(error(put(0, "k", "application/json", "[1,2]"), 400).startsWith("the body is not a JSON object"));
    assertEquals("the JSON body needs \"value\", a string", error(put(0, "k", "application/json", "{\"value\": 5}"), 400));
    assertEquals("\"ttlMs\" must be an integer number of milliseconds",
        error(put(0, "k", "application/json", "{\"value\": \"v\", \"ttlMs\": \"soon\"}"), 400));
    assertTrue(error(put(0, "k", "application/json", "{\"value\": \"v\", \"ttlMs\": -5}"), 400).startsWith("ttl_ms must be 0"));
    assertTrue(error(Http.send("PUT", http(0), "/v1/kv/k", "application/octet-stream", new byte[] {(byte) 0xff, 0x00}), 400)
        .contains("not valid UTF-8"));
    assertTrue(error(get(0, "/v1/nothing"), 404).startsWith("no such API path"));
    assertFalse(get(0, "/v1/kv/k").body().contains("Exception"), "no class names in answers");
  }

  @Test
  void batchReadsAnswerEachKeyAndRefuseMoreThanTheLimit() {
    put(0, "m1", "text/plain", "one");
    put(0, "m2", "text/plain", "two");
    Http.Reply r = Http.post(http(1), "/v1/mget", "application/json",
        new JsonObject().put("keys", new JsonArray().add("m1").add("nope").add("m2").add("")).put("consistency", "ALL").encode());
    assertEquals(200, r.status(), r.body());
    JsonArray results = new JsonObject(r.body()).getJsonArray("results");
    assertEquals("one", results.getJsonObject(0).getString("value"));
    assertFalse(results.getJsonObject(1).getBoolean("found"));
    assertEquals("two", results.getJsonObject(2).getString("value"));
    assertEquals(400, results.getJsonObject(3).getInteger("status"));
    JsonArray eleven = new JsonArray();
    for (int i = 0; i < 11; i++) {
      eleven.add("k" + i);
    }
    assertEquals("a batch read asks for 11 keys; the limit (maxMultiGetKeys) is 10",
        error(Http.post(http(1), "/v1/mget", "application/json", new JsonObject().put("keys", eleven).encode()), 400));
    assertTrue(error(Http.post(http(1), "/v1/mget", "application/json", "{\"keys\": [1]}"), 400).contains("array of strings"));
  }

  @Test
  void aQuorumThatCannotBeHadIsA503NamingAcksAndRequired() {
    c.stop(2);
    try {
      Await.until("node3 DOWN in node1's view", Duration.ofSeconds(10), () -> c.statusSeenBy(0, "node3").equals("DOWN"));
      String message = error(Http.send("PUT", http(0), "/v1/kv/k?consistency=ALL", "text/plain", "v".getBytes(StandardCharsets.UTF_8)), 503);
      assertTrue(message.contains("acknowledged by 2 of 3 required replicas"), message);
      assertEquals(200, put(0, "k", "text/plain", "v").status(), "the default QUORUM still works");
      JsonObject cluster = new JsonObject(get(0, "/v1/cluster").body());
      JsonObject node3 = cluster.getJsonArray("nodes").stream().map(JsonObject.class::cast)
          .filter(n -> n.getString("nodeId").equals("node3")).findFirst().orElseThrow();
      assertEquals("DOWN", node3.getString("status"));
    } finally {
      c.start(2);
      c.awaitUp(3);
    }
  }

  @Test
  void theConsoleTheOpenApiDocumentAndTheClusterStateAreServed() {
    Http.Reply index = get(0, "/");
    assertEquals(200, index.status());
    assertTrue(index.body().contains("<title>kvstore console</title>"));
    assertEquals(200, get(0, "/console.js").status());
    assertEquals(200, get(0, "/vendor/uPlot.esm.js").status(), "the chart library is inside the jar");
    JsonObject api = new JsonObject(get(1, "/v1/openapi.json").body());
    assertEquals("3.0.3", api.getString("openapi"));
    for (String path : new String[] {"/v1/kv/{key}", "/v1/mget", "/v1/cluster", "/v1/where/{key}", "/v1/events", "/v1/admin/repair"}) {
      assertTrue(api.getJsonObject("paths").containsKey(path), path);
    }
    put(0, "seen", "text/plain", "v");
    assertEquals(200, get(0, "/v1/kv/seen").status());
    Await.until("the cluster state with every node UP and its counters", Duration.ofSeconds(10), () -> {
      JsonObject cl = new JsonObject(get(2, "/v1/cluster").body());
      return cl.getJsonArray("nodes").size() == 3 && cl.getJsonArray("nodes").stream().map(JsonObject.class::cast)
          .allMatch(n -> n.getString("status").equals("UP") && n.getJsonObject("stats") != null && n.containsKey("rows"));
    });
    JsonObject cl = new JsonObject(get(2, "/v1/cluster").body());
    double sharesOfPrimary = cl.getJsonArray("ring").stream().map(JsonObject.class::cast).mapToDouble(r -> r.getDouble("primary")).sum();
    assertEquals(1.0, sharesOfPrimary, 1e-9);
    assertTrue(cl.getBoolean("operator"), "an insecure node lets anyone run operator actions");
    JsonObject stats = cl.getJsonArray("nodes").getJsonObject(0).getJsonObject("stats");
    assertTrue(stats.containsKey("hints.stored") && stats.containsKey("read.repairs"), stats.encode());

    JsonObject where = new JsonObject(get(1, "/v1/where/seen").body());
    assertEquals(3, where.getJsonArray("replicas").size());
    where.getJsonArray("replicas").stream().map(JsonObject.class::cast).forEach(r -> {
      assertTrue(r.getBoolean("present"), r.encode());
      assertFalse(r.containsKey("value"), "where shows a hash, never the value");
      assertEquals(16, r.getString("valueSha256").length());
    });
  }

  private static String error(Http.Reply r, int status) {
    assertEquals(status, r.status(), r.body());
    return new JsonObject(r.body()).getString("error");
  }
}
