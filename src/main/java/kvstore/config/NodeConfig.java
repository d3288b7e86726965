package kvstore.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import kvstore.replication.Consistency;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every node setting in one place: name, type, default and validation (the README's config table
 * is checked against {@link #KEYS} by a test). Values come from the JSON given with {@code -conf},
 * overridden by {@code KV_*} environment variables for Docker.
 */
public record NodeConfig(
    String nodeId, String host, int grpcPort, int httpPort, int peerPort, List<String> seeds, String dataDir,
    int replicationFactor, Consistency writeConsistency, Consistency readConsistency, int vnodes,
    int gossipIntervalMs, int antiEntropyIntervalMs, int maxKeyBytes, int maxValueBytes, boolean debug,
    int requestTimeoutMs, int maxGossipBodyBytes, int writeBatchMax, String storageSync, int grpcInstances,
    int eventLoops, long clockOffsetMs, int failureDetectorPhiSuspect, int failureDetectorPhiDown, int failureDetectorPauseMs,
    int failureDetectorMinStdDevMs, boolean hintedHandoff, long hintWindowMs, int maxHintsPerNode, int hintReplayRowsPerSec,
    long tombstoneGraceMs, int tombstoneGcIntervalMs, int storageReaders, int antiEntropyRowsPerSec, int rowCacheEntries,
    String logLevel, boolean insecure, String tlsCaFile, String tlsCertFile, String tlsKeyFile, boolean clientTls,
    boolean clientCertRequired, long maxClockSkewMs, int maxClusterNodes, int idleTimeoutMs, int maxClientConnections,
    int maxHttpConnections, int maxPeerConnections, long downMemberGossipAfterMs, int firstRequestTimeoutMs) {

  public static final List<ConfigKey> KEYS = List.of(
      new ConfigKey("nodeId", ConfigKey.Type.STRING, null, "Unique name of this node in the cluster (required)."),
      new ConfigKey("host", ConfigKey.Type.STRING, "127.0.0.1", "Address to bind and to advertise to peers."),
      new ConfigKey("grpcPort", ConfigKey.Type.INT, null, "Client port: the gRPC API kv.KeyValue, health and reflection (required)."),
      new ConfigKey("httpPort", ConfigKey.Type.INT, null, "HTTP port for operators: /healthz, /metrics, /membership (required)."),
      new ConfigKey("peerPort", ConfigKey.Type.INT, null, "Peer port: gossip and every node-to-node RPC, mutual TLS unless `insecure` (required)."),
      new ConfigKey("seeds", ConfigKey.Type.STRING_LIST, List.of(), "Peer addresses (\"host:peerPort\") to join through."),
      new ConfigKey("dataDir", ConfigKey.Type.STRING, "data", "Directory of the SQLite database."),
      new ConfigKey("replicationFactor", ConfigKey.Type.INT, 3, "Number of replicas of each key (RF)."),
      new ConfigKey("writeConsistency", ConfigKey.Type.CONSISTENCY, "QUORUM", "Default W: ONE, QUORUM (RF/2+1) or ALL."),
      new ConfigKey("readConsistency", ConfigKey.Type.CONSISTENCY, "QUORUM", "Default R: ONE, QUORUM (RF/2+1) or ALL."),
      new ConfigKey("vnodes", ConfigKey.Type.INT, 128, "Virtual nodes (ring tokens) per node."),
      new ConfigKey("gossipIntervalMs", ConfigKey.Type.INT, 1000, "Gossip round period."),
      new ConfigKey("antiEntropyIntervalMs", ConfigKey.Type.INT, 30000, "Anti-entropy period: each tick compares Merkle trees with the next live peer; 0 disables the timer (`kvctl repair` still works)."),
      new ConfigKey("antiEntropyRowsPerSec", ConfigKey.Type.INT, 5000, "Cap on anti-entropy work: rows compared under differing Merkle leaves plus rows sent or received, per second."),
      new ConfigKey("maxKeyBytes", ConfigKey.Type.INT, 1024, "Largest key, in UTF-8 bytes."),
      new ConfigKey("maxValueBytes", ConfigKey.Type.INT, 1048576, "Largest value, in UTF-8 bytes."),
      new ConfigKey("debug", ConfigKey.Type.BOOLEAN, false, "Print one trace line per event ([WRITE], [READ], [GOSSIP], ...). Also DEBUG_LOG=true."),
      new ConfigKey("requestTimeoutMs", ConfigKey.Type.INT, 2000, "Deadline for a replica to answer, and for W or R answers to arrive."),
      new ConfigKey("maxGossipBodyBytes", ConfigKey.Type.INT, 1048576, "Largest accepted gossip body; larger ones get HTTP 413."),
      new ConfigKey("insecure", ConfigKey.Type.BOOLEAN, false, "Run without TLS: every port plaintext and node-to-node calls unauthenticated. Without it the node needs tlsCaFile, tlsCertFile and tlsKeyFile."),
      new ConfigKey("tlsCaFile", ConfigKey.Type.STRING, "", "PEM certificate of the cluster CA: the peer port accepts only certificates it signed."),
      new ConfigKey("tlsCertFile", ConfigKey.Type.STRING, "", "PEM certificate of this node, signed by the cluster CA (`java -jar node.jar certs`)."),
      new ConfigKey("tlsKeyFile", ConfigKey.Type.STRING, "", "PEM (PKCS#8) private key of tlsCertFile."),
      new ConfigKey("clientTls", ConfigKey.Type.BOOLEAN, false, "Serve the client port (grpcPort) over TLS with this node's certificate; plaintext when false."),
      new ConfigKey("clientCertRequired", ConfigKey.Type.BOOLEAN, false, "With clientTls: clients must present a certificate signed by the cluster CA."),
      new ConfigKey("maxClockSkewMs", ConfigKey.Type.LONG, 10000L, "Largest lead over this node's clock that a version, modified_at or peer clock may have; beyond it they are refused and never observed."),
      new ConfigKey("maxClusterNodes", ConfigKey.Type.INT, 512, "Most members this node keeps, and most it has not yet heard from itself; entries beyond are dropped with a WARN."),
      new ConfigKey("idleTimeoutMs", ConfigKey.Type.INT, 60000, "A connection to any listener that carries no bytes for this long is closed."),
      new ConfigKey("firstRequestTimeoutMs", ConfigKey.Type.INT, 10000, "A new connection to any listener must complete its TLS handshake and first request (HTTP/1.1 headers, or the HTTP/2 preface) within this, or it is closed (slowloris)."),
      new ConfigKey("maxClientConnections", ConfigKey.Type.INT, 1024, "Concurrent connections the client port (grpcPort) accepts; more are closed at once."),
      new ConfigKey("maxHttpConnections", ConfigKey.Type.INT, 256, "Concurrent connections the HTTP port (httpPort) accepts; more are closed at once."),
      new ConfigKey("maxPeerConnections", ConfigKey.Type.INT, 1024, "Concurrent connections the peer port (peerPort) accepts; more are closed at once."),
      new ConfigKey("downMemberGossipAfterMs", ConfigKey.Type.LONG, 300000L, "A member DOWN for longer than this is sent gossip at most once a minute."),
      new ConfigKey("writeBatchMax", ConfigKey.Type.INT, 512, "Most writes committed in one SQLite transaction (group commit)."),
      new ConfigKey("storageSync", ConfigKey.Type.STRING, "FULL", "SQLite synchronous mode: FULL (fsync each commit; survives power loss) or NORMAL (survives a process crash)."),
      new ConfigKey("grpcInstances", ConfigKey.Type.INT, 0, "gRPC verticle instances (one event loop each); 0 means one per core."),
      new ConfigKey("eventLoops", ConfigKey.Type.INT, 0, "Event-loop threads of the node, shared by all its verticles; 0 means Vert.x's default, two per core."),
      new ConfigKey("clockOffsetMs", ConfigKey.Type.LONG, 0L, "Added to this node's wall clock; for clock-skew tests only."),
      new ConfigKey("failureDetectorPhiSuspect", ConfigKey.Type.INT, 5, "Phi at which a silent peer becomes SUSPECT."),
      new ConfigKey("failureDetectorPhiDown", ConfigKey.Type.INT, 10, "Phi at which a silent peer becomes DOWN (coordinators stop waiting on it and hint instead)."),
      new ConfigKey("failureDetectorPauseMs", ConfigKey.Type.INT, 2000, "Heartbeat pause tolerated before phi rises (GC, load); added to the mean interval."),
      new ConfigKey("failureDetectorMinStdDevMs", ConfigKey.Type.INT, 250, "Floor on the interval deviation, so very regular heartbeats do not make phi jumpy."),
      new ConfigKey("hintedHandoff", ConfigKey.Type.BOOLEAN, true, "Store hints for replicas that are down or do not answer, and replay them when they are back."),
      new ConfigKey("hintWindowMs", ConfigKey.Type.LONG, 10800000L, "A replica silent for longer gets no new hints (anti-entropy repairs it instead); 3 h."),
      new ConfigKey("maxHintsPerNode", ConfigKey.Type.INT, 1000000, "Cap on stored hints per target node; writes beyond it are left to anti-entropy."),
      new ConfigKey("hintReplayRowsPerSec", ConfigKey.Type.INT, 5000, "Throttle of hint replay to a returning node."),
      new ConfigKey("tombstoneGraceMs", ConfigKey.Type.LONG, 864000000L, "Tombstones older than this are purged (10 days, like Cassandra's gc_grace_seconds)."),
      new ConfigKey("tombstoneGcIntervalMs", ConfigKey.Type.INT, 3600000, "How often the tombstone purge runs."),
      new ConfigKey("storageReaders", ConfigKey.Type.INT, 2, "SQLite reader verticles (each its own connection), in parallel with the single writer."),
      new ConfigKey("rowCacheEntries", ConfigKey.Type.INT, 100000, "Rows kept in memory for reads (a commit drops the rows it changed); 0 disables it."),
      new ConfigKey("logLevel", ConfigKey.Type.STRING, "INFO", "Least severe log line printed: ERROR, WARN, INFO or DEBUG (DEBUG also turns the per-event trace lines on, like `debug`)."));

  /** The levels {@code logLevel} accepts, most severe first. */
  public static final List<String> LOG_LEVELS = List.of("ERROR", "WARN", "INFO", "DEBUG");

  private static final Map<String, ConfigKey> BY_NAME = new LinkedHashMap<>();

  static {
    for (ConfigKey k : KEYS) {
      BY_NAME.put(k.name(), k);
    }
  }

  /** Validates {@code json} overridden by {@code env}; throws {@link ConfigException} naming the bad key. */
  public static NodeConfig parse(JsonObject json, Map<String, String> env) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (String name : json.fieldNames()) {
      ConfigKey key = BY_NAME.get(name);
      if (name.equals("gossipPort")) {
        throw new ConfigException("config key 'gossipPort' is now 'httpPort' (operators' HTTP), and gossip travels on the new 'peerPort'; seeds name host:peerPort");
      }
      if (key == null) {
        throw new ConfigException("unknown config key '" + name + "' (known keys: " + String.join(", ", BY_NAME.keySet()) + ")");
      }
      values.put(name, typed(key, json.getValue(name), "config key"));
    }
    for (ConfigKey key : KEYS) {
      String raw = env.get(key.envName());
      if (raw != null) {
        values.put(key.name(), fromEnv(key, raw));
      }
    }
    if ("true".equalsIgnoreCase(env.get("DEBUG_LOG"))) {
      values.put("debug", true);
    }
    for (ConfigKey key : KEYS) {
      if (!values.containsKey(key.name())) {
        if (key.required()) {
          throw new ConfigException("missing required config key '" + key.name() + "' (or env " + key.envName() + ")");
        }
        Object def = key.defaultValue();
        values.put(key.name(), key.type() == ConfigKey.Type.CONSISTENCY ? Consistency.valueOf((String) def) : def);
      }
    }
    @SuppressWarnings("unchecked")
    NodeConfig c = new NodeConfig(
        (String) values.get("nodeId"), (String) values.get("host"), (int) values.get("grpcPort"),
        (int) values.get("httpPort"), (int) values.get("peerPort"), (List<String>) values.get("seeds"), (String) values.get("dataDir"),
        (int) values.get("replicationFactor"), (Consistency) values.get("writeConsistency"),
        (Consistency) values.get("readConsistency"), (int) values.get("vnodes"),
        (int) values.get("gossipIntervalMs"), (int) values.get("antiEntropyIntervalMs"),
        (int) values.get("maxKeyBytes"), (int) values.get("maxValueBytes"), (boolean) values.get("debug"),
        (int) values.get("requestTimeoutMs"), (int) values.get("maxGossipBodyBytes"),
        (int) values.get("writeBatchMax"), (String) values.get("storageSync"),
        (int) values.get("grpcInstances"), (int) values.get("eventLoops"), (long) values.get("clockOffsetMs"),
        (int) values.get("failureDetectorPhiSuspect"), (int) values.get("failureDetectorPhiDown"),
        (int) values.get("failureDetectorPauseMs"), (int) values.get("failureDetectorMinStdDevMs"),
        (boolean) values.get("hintedHandoff"), (long) values.get("hintWindowMs"), (int) values.get("maxHintsPerNode"),
        (int) values.get("hintReplayRowsPerSec"), (long) values.get("tombstoneGraceMs"), (int) values.get("tombstoneGcIntervalMs"),
        (int) values.get("storageReaders"), (int) values.get("antiEntropyRowsPerSec"), (int) values.get("rowCacheEntries"),
        ((String) values.get("logLevel")).toUpperCase(java.util.Locale.ROOT),
        (boolean) values.get("insecure"), (String) values.get("tlsCaFile"), (String) values.get("tlsCertFile"),
        (String) values.get("tlsKeyFile"), (boolean) values.get("clientTls"), (boolean) values.get("clientCertRequired"),
        (long) values.get("maxClockSkewMs"), (int) values.get("maxClusterNodes"), (int) values.get("idleTimeoutMs"),
        (int) values.get("maxClientConnections"), (int) values.get("maxHttpConnections"), (int) values.get("maxPeerConnections"),
        (long) values.get("downMemberGossipAfterMs"), (int) values.get("firstRequestTimeoutMs"));
    c.validate();
    return c;
  }

  /** Trace lines are on with {@code debug} or with {@code logLevel} DEBUG; either implies the other. */
  public boolean traceOn() {
    return debug || logLevel.equals("DEBUG");
  }

  /** The level logs are printed at: {@code logLevel}, lowered to DEBUG when {@code debug} is on. */
  public String effectiveLogLevel() {
    return debug ? "DEBUG" : logLevel;
  }

  private void validate() {
    require(!nodeId.isBlank() && nodeId.matches("[A-Za-z0-9._-]+"), "nodeId", "must be non-empty letters, digits, '.', '_' or '-'");
    require(!host.isBlank(), "host", "must not be empty");
    requirePort(grpcPort, "grpcPort");
    requirePort(httpPort, "httpPort");
    requirePort(peerPort, "peerPort");
    require(grpcPort != httpPort, "httpPort", "must differ from grpcPort");
    require(peerPort != grpcPort && peerPort != httpPort, "peerPort", "must differ from grpcPort and httpPort");
    if (!insecure) {
      require(!tlsCaFile.isBlank() && !tlsCertFile.isBlank() && !tlsKeyFile.isBlank(), "tlsCaFile",
          "node-to-node traffic needs certificates: set tlsCaFile, tlsCertFile and tlsKeyFile (create them with `java -jar node.jar certs`), or set \"insecure\": true");
    }
    require(!clientCertRequired || clientTls, "clientCertRequired", "needs clientTls: true");
    require(!clientTls || !insecure, "clientTls", "serves the node's certificate, which an insecure node does not load; set insecure to false");
    require(maxClockSkewMs >= 100 && maxClockSkewMs <= 3_600_000L, "maxClockSkewMs", "must be 100..3600000, got " + maxClockSkewMs);
    require(Math.abs(clockOffsetMs) <= 86_400_000L, "clockOffsetMs", "must be within a day, got " + clockOffsetMs);
    require(maxClusterNodes >= 1 && maxClusterNodes <= 10000, "maxClusterNodes", "must be 1..10000, got " + maxClusterNodes);
    require(firstRequestTimeoutMs >= 100, "firstRequestTimeoutMs", "must be >= 100, got " + firstRequestTimeoutMs);
    require(idleTimeoutMs >= 1000, "idleTimeoutMs", "must be >= 1000, got " + idleTimeoutMs);
    require(maxClientConnections >= 1, "maxClientConnections", "must be >= 1, got " + maxClientConnections);
    require(maxHttpConnections >= 1, "maxHttpConnections", "must be >= 1, got " + maxHttpConnections);
    require(maxPeerConnections >= 1, "maxPeerConnections", "must be >= 1, got " + maxPeerConnections);
    require(downMemberGossipAfterMs >= 0, "downMemberGossipAfterMs", "must be >= 0, got " + downMemberGossipAfterMs);
    for (String seed : seeds) {
      int colon = seed.lastIndexOf(':');
      boolean ok = colon > 0;
      if (ok) {
        try {
          int p = Integer.parseInt(seed.substring(colon + 1));
          ok = p >= 1 && p <= 65535;
        } catch (NumberFormatException e) {
          ok = false;
        }
      }
      require(ok, "seeds", "entry '" + seed + "' is not host:peerPort");
    }
    require(!dataDir.isBlank(), "dataDir", "must not be empty");
    require(replicationFactor >= 1, "replicationFactor", "must be >= 1, got " + replicationFactor);
    require(vnodes >= 1 && vnodes <= 4096, "vnodes", "must be 1..4096, got " + vnodes);
    require(gossipIntervalMs >= 10, "gossipIntervalMs", "must be >= 10, got " + gossipIntervalMs);
    require(antiEntropyIntervalMs == 0 || antiEntropyIntervalMs >= 100, "antiEntropyIntervalMs", "must be 0 (off) or >= 100, got " + antiEntropyIntervalMs);
    require(maxKeyBytes >= 1, "maxKeyBytes", "must be >= 1, got " + maxKeyBytes);
    require(maxValueBytes >= 0 && maxValueBytes <= 64 * 1024 * 1024, "maxValueBytes", "must be 0..67108864, got " + maxValueBytes);
    require(requestTimeoutMs >= 10, "requestTimeoutMs", "must be >= 10, got " + requestTimeoutMs);
    require(maxGossipBodyBytes >= 1024, "maxGossipBodyBytes", "must be >= 1024, got " + maxGossipBodyBytes);
    require(writeBatchMax >= 1 && writeBatchMax <= 10000, "writeBatchMax", "must be 1..10000, got " + writeBatchMax);
    require(storageSync.equals("FULL") || storageSync.equals("NORMAL"), "storageSync", "must be FULL or NORMAL, got " + storageSync);
    require(grpcInstances >= 0 && grpcInstances <= 64, "grpcInstances", "must be 0..64, got " + grpcInstances);
    require(eventLoops >= 0 && eventLoops <= 256, "eventLoops", "must be 0..256, got " + eventLoops);
    require(failureDetectorPhiSuspect >= 1, "failureDetectorPhiSuspect", "must be >= 1, got " + failureDetectorPhiSuspect);
    require(failureDetectorPhiDown >= failureDetectorPhiSuspect, "failureDetectorPhiDown", "must be >= failureDetectorPhiSuspect, got " + failureDetectorPhiDown);
    require(failureDetectorPauseMs >= 0, "failureDetectorPauseMs", "must be >= 0, got " + failureDetectorPauseMs);
    require(failureDetectorMinStdDevMs >= 1, "failureDetectorMinStdDevMs", "must be >= 1, got " + failureDetectorMinStdDevMs);
    require(hintWindowMs >= 0, "hintWindowMs", "must be >= 0, got " + hintWindowMs);
    require(maxHintsPerNode >= 0, "maxHintsPerNode", "must be >= 0, got " + maxHintsPerNode);
    require(hintReplayRowsPerSec >= 1, "hintReplayRowsPerSec", "must be >= 1, got " + hintReplayRowsPerSec);
    require(tombstoneGraceMs >= 0, "tombstoneGraceMs", "must be >= 0, got " + tombstoneGraceMs);
    require(antiEntropyRowsPerSec >= 1, "antiEntropyRowsPerSec", "must be >= 1, got " + antiEntropyRowsPerSec);
    require(rowCacheEntries >= 0, "rowCacheEntries", "must be >= 0 (0 disables the cache), got " + rowCacheEntries);
    require(storageReaders >= 1 && storageReaders <= 32, "storageReaders", "must be 1..32, got " + storageReaders);
    require(LOG_LEVELS.contains(logLevel), "logLevel", "must be one of " + String.join(", ", LOG_LEVELS) + ", got " + logLevel);
    require(tombstoneGcIntervalMs >= 100, "tombstoneGcIntervalMs", "must be >= 100, got " + tombstoneGcIntervalMs);
  }

  private static void requirePort(int port, String key) {
    require(port >= 1 && port <= 65535, key, "must be a port 1..65535, got " + port);
  }

  private static void require(boolean ok, String key, String problem) {
    if (!ok) {
      throw new ConfigException("invalid config key '" + key + "': " + problem);
    }
  }

  private static Object typed(ConfigKey key, Object v, String where) {
    String bad = where + " '" + key.name() + "' must be ";
    switch (key.type()) {
      case STRING:
        if (v instanceof String s) {
          return s;
        }
        throw new ConfigException(bad + "a string, got " + describe(v));
      case INT:
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
            && n.doubleValue() >= Integer.MIN_VALUE && n.doubleValue() <= Integer.MAX_VALUE) {
          return n.intValue();
        }
        throw new ConfigException(bad + "an integer, got " + describe(v));
      case LONG:
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 9e18) {
          return n.longValue();
        }
        throw new ConfigException(bad + "an integer, got " + describe(v));
      case BOOLEAN:
        if (v instanceof Boolean b) {
          return b;
        }
        throw new ConfigException(bad + "true or false, got " + describe(v));
      case STRING_LIST:
        if (v instanceof JsonArray arr) {
          List<String> out = new ArrayList<>();
          for (Object o : arr) {
            if (!(o instanceof String s)) {
              throw new ConfigException(bad + "an array of strings, got element " + describe(o));
            }
            out.add(s);
          }
          return List.copyOf(out);
        }
        throw new ConfigException(bad + "an array of \"host:port\" strings, got " + describe(v));
      case CONSISTENCY:
        if (v instanceof String s) {
          try {
            return Consistency.valueOf(s);
          } catch (IllegalArgumentException e) {
            // fall through to the error below
          }
        }
        throw new ConfigException(bad + "ONE, QUORUM or ALL, got " + describe(v));
      default:
        throw new IllegalStateException(key.type().toString());
    }
  }

  private static Object fromEnv(ConfigKey key, String raw) {
    String where = "env " + key.envName() + " for";
    switch (key.type()) {
      case INT:
      case LONG:
        try {
          long n = Long.parseLong(raw.trim());
          if (key.type() == ConfigKey.Type.INT && (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE)) {
            throw new NumberFormatException();
          }
          return key.type() == ConfigKey.Type.INT ? (Object) (int) n : (Object) n;
        } catch (NumberFormatException e) {
          throw new ConfigException(where + " '" + key.name() + "' must be an integer, got \"" + raw + "\"");
        }
      case BOOLEAN:
        if (raw.equalsIgnoreCase("true") || raw.equalsIgnoreCase("false")) {
          return Boolean.parseBoolean(raw);
        }
        throw new ConfigException(where + " '" + key.name() + "' must be true or false, got \"" + raw + "\"");
      case STRING_LIST:
        List<String> out = new ArrayList<>();
        for (String s : raw.split(",")) {
          if (!s.isBlank()) {
            out.add(s.trim());
          }
        }
        return List.copyOf(out);
      default:
        return typed(key, raw.trim(), where);
    }
  }

  private static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    return v instanceof String ? "\"" + v + "\"" : v.toString();
  }

  public String grpcAddress() {
    return host + ":" + grpcPort;
  }

  public String httpAddress() {
    return host + ":" + httpPort;
  }

  public String peerAddress() {
    return host + ":" + peerPort;
  }

  public int effectiveGrpcInstances() {
    return grpcInstances > 0 ? grpcInstances : Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /** Largest gRPC message accepted: 4x the value limit, so oversized values meet our INVALID_ARGUMENT, not the transport's limit. */
  public long maxMessageBytes() {
    return 4L * maxValueBytes + 4L * maxKeyBytes + 64 * 1024;
  }

  /** Serialized rows per replica {@code Write} batch: half the message limit, so a batch always fits. */
  public long replicaBatchBytes() {
    return maxMessageBytes() / 2;
  }
}
