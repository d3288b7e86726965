package kvstore.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import kvstore.quorum.Consistency;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeConfigTest {
  private static JsonObject minimal() {
    return new JsonObject().put("nodeId", "n1").put("grpcPort", 50051).put("httpPort", 8001).put("peerPort", 7001).put("insecure", true);
  }

  private static String error(JsonObject json, Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> NodeConfig.parse(json, env)).getMessage();
  }

  @Test
  void defaultsApplyToEveryOptionalKey() {
    NodeConfig c = NodeConfig.parse(minimal(), Map.of());
    assertEquals("127.0.0.1", c.host());
    assertEquals(3, c.replicationFactor());
    assertEquals(Consistency.QUORUM, c.writeConsistency());
    assertEquals(1024, c.maxKeyBytes());
    assertEquals(1048576, c.maxValueBytes());
    assertEquals(128, c.vnodes());
    assertEquals(1000, c.gossipIntervalMs());
    assertEquals(30000, c.antiEntropyIntervalMs());
  }

  @Test
  void badConfigsAreRejectedNamingTheKey() {
    assertTrue(error(minimal().copy().put("grpcPort", null), Map.of()).contains("grpcPort"));
    JsonObject missing = minimal();
    missing.remove("nodeId");
    assertTrue(error(missing, Map.of()).contains("missing required config key 'nodeId'"));
    assertTrue(error(minimal().put("replicationFactr", 3), Map.of()).contains("unknown config key 'replicationFactr'"));
    assertTrue(error(minimal().put("grpcPort", "50051"), Map.of()).contains("'grpcPort' must be an integer"));
    assertTrue(error(minimal().put("replicationFactor", 0), Map.of()).contains("'replicationFactor': must be >= 1"));
    assertTrue(error(minimal().put("readConsistency", "MOST"), Map.of()).contains("readConsistency"));
    assertTrue(error(minimal().put("seeds", new JsonArray().add("nohost")), Map.of()).contains("seeds"));
    assertTrue(error(minimal().put("debug", "yes"), Map.of()).contains("debug"));
    assertTrue(error(minimal().put("eventLoops", -1), Map.of()).contains("'eventLoops': must be 0..256, got -1"));
  }

  @Test
  void aNodeIsSecureUnlessItsConfigSaysInsecure() {
    JsonObject noCerts = minimal();
    noCerts.remove("insecure");
    String e = error(noCerts, Map.of());
    assertTrue(e.contains("tlsCaFile, tlsCertFile and tlsKeyFile") && e.contains("java -jar node.jar certs")
        && e.contains("\"insecure\": true"), e);
    assertFalse(e.contains("\n"), "one line");
    NodeConfig secure = NodeConfig.parse(noCerts.copy().put("tlsCaFile", "c/ca.pem").put("tlsCertFile", "c/n1.pem")
        .put("tlsKeyFile", "c/n1-key.pem"), Map.of());
    assertFalse(secure.insecure());
    assertTrue(error(minimal().put("insecure", "yes"), Map.of()).contains("'insecure' must be true or false"));
    assertTrue(error(minimal().put("clientTls", true), Map.of()).contains("clientTls"), "client TLS needs the node's certificate");
    assertTrue(error(minimal().put("clientCertRequired", true), Map.of()).contains("needs clientTls"));
  }

  @Test
  void theOldGossipPortKeyIsRefusedWithItsNewNames() {
    String e = error(minimal().put("gossipPort", 8001), Map.of());
    assertTrue(e.contains("httpPort") && e.contains("peerPort"), e);
  }

  @Test
  void trustBoundaryLimitsHaveSafeDefaultsAndBounds() {
    NodeConfig c = NodeConfig.parse(minimal(), Map.of());
    assertEquals(10_000, c.maxClockSkewMs());
    assertEquals(512, c.maxClusterNodes());
    assertEquals(60_000, c.idleTimeoutMs());
    assertTrue(error(minimal().put("maxClockSkewMs", 0), Map.of()).contains("'maxClockSkewMs': must be 100..3600000"));
    assertTrue(error(minimal().put("maxClusterNodes", 0), Map.of()).contains("maxClusterNodes"));
    assertTrue(error(minimal().put("maxPeerConnections", 0), Map.of()).contains("maxPeerConnections"));
    assertTrue(error(minimal().put("peerPort", 50051), Map.of()).contains("'peerPort': must differ"));
  }

  @Test
  void environmentOverridesTheFile() {
    NodeConfig c = NodeConfig.parse(minimal(), Map.of("KV_GRPC_PORT", "6000", "KV_SEEDS", "a:8001,b:8001",
        "KV_REPLICATION_FACTOR", "2", "KV_WRITE_CONSISTENCY", "ALL", "DEBUG_LOG", "true", "KV_NODE_ID", "fromenv"));
    assertEquals(6000, c.grpcPort());
    assertEquals(java.util.List.of("a:8001", "b:8001"), c.seeds());
    assertEquals(2, c.replicationFactor());
    assertEquals(Consistency.ALL, c.writeConsistency());
    assertTrue(c.debug());
    assertEquals("fromenv", c.nodeId());
    assertEquals(0, c.eventLoops(), "0: Vert.x's default");
    assertEquals(1, NodeConfig.parse(minimal(), Map.of("KV_EVENT_LOOPS", "1")).eventLoops());
    assertTrue(error(minimal(), Map.of("KV_HTTP_PORT", "x")).contains("KV_HTTP_PORT"));
  }

  @Test
  void logLevelIsOneOfFourAndDebugLowersItToDebug() {
    NodeConfig plain = NodeConfig.parse(minimal(), Map.of());
    assertEquals("INFO", plain.effectiveLogLevel());
    assertFalse(plain.traceOn());
    NodeConfig quiet = NodeConfig.parse(minimal().put("logLevel", "WARN"), Map.of());
    assertEquals("WARN", quiet.effectiveLogLevel());
    NodeConfig fromEnv = NodeConfig.parse(minimal(), Map.of("KV_LOG_LEVEL", "debug"));
    assertEquals("DEBUG", fromEnv.logLevel());
    assertTrue(fromEnv.traceOn(), "DEBUG turns the trace lines on");
    NodeConfig traced = NodeConfig.parse(minimal().put("logLevel", "ERROR").put("debug", true), Map.of());
    assertEquals("DEBUG", traced.effectiveLogLevel(), "debug must print its trace lines whatever logLevel says");
    assertTrue(error(minimal().put("logLevel", "TRACE"), Map.of()).contains("'logLevel': must be one of ERROR, WARN, INFO, DEBUG, got TRACE"));
  }

  @Test
  void envNamesFollowTheKeys() {
    assertEquals("KV_GRPC_PORT", NodeConfig.GRPC_PORT.envName());
    assertEquals("KV_MAX_VALUE_BYTES", NodeConfig.MAX_VALUE_BYTES.envName());
    assertEquals("KV_TLS_CA_FILE", ConfigKey.envName("tlsCaFile"));
  }

  /** docs/configuration.md is the user's reference: every key and its default must be in its table. */
  @Test
  void docsDocumentEveryKeyWithItsDefault() throws Exception {
    String readme = Files.readString(Path.of("docs/configuration.md"));
    for (ConfigKey<?> k : NodeConfig.KEYS) {
      String row = readme.lines().filter(l -> l.startsWith("| `" + k.name() + "`")).findFirst()
          .orElseThrow(() -> new AssertionError("docs/configuration.md lacks " + k.name()));
      String def = k.required() ? "required" : String.valueOf(k.defaultValue() instanceof java.util.List<?> l && l.isEmpty() ? "[]" : k.defaultValue());
      assertTrue(row.contains(def), "docs/configuration.md row for " + k.name() + " should show default " + def + ": " + row);
      assertTrue(row.contains(k.envName()), "docs/configuration.md row for " + k.name() + " should name " + k.envName());
    }
  }
}
