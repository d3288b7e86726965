package kvstore.config;

import io.vertx.core.json.JsonObject;
import kvstore.quorum.Consistency;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every node setting in one place, each key declared once with its type, default, doc and check
 * ({@link ConfigKey}), grouped by concern (Ratis' config keys are the model); docs/configuration.md's
 * table is checked against {@link #KEYS} by a test. Values come from the JSON given with
 * {@code -conf}, overridden by {@code KV_*} environment variables for Docker. Rules that tie keys
 * together are in {@link #checkTogether}.
 */
public final class NodeConfig {
  /** The levels {@code logLevel} accepts, most severe first. */
  public static final List<String> LOG_LEVELS = List.of("ERROR", "WARN", "INFO", "DEBUG");
  private static final Pattern NODE_ID_CHARS = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  // Identity and addresses
  public static final ConfigKey<String> NODE_ID = ConfigKey.string("nodeId", null, "Unique name of this node in the cluster (required).", v -> NODE_ID_CHARS.matcher(v).matches() ? null : "must be 1..64 letters, digits, '.', '_' or '-'");
  public static final ConfigKey<String> CLUSTER_NAME = ConfigKey.string("clusterName", "kvstore", "Name of the cluster; a node whose clusterName, replicationFactor or vnodes differ from the cluster's is refused.", v -> NODE_ID_CHARS.matcher(v).matches() ? null : "must be 1..64 letters, digits, '.', '_' or '-'");
  public static final ConfigKey<String> HOST = ConfigKey.string("host", "127.0.0.1", "Address to advertise to peers and clients (and to bind, unless listenHost is set).", v -> v.isBlank() ? "must not be empty" : null);
  public static final ConfigKey<String> AFTER_LEAVING = ConfigKey.string("afterLeaving", "exit", "What a node does once it has left the cluster (decommissioned, or started on a dataDir that left): exit, or idle (stay up answering /healthz 200 and /readyz 503, so a container orchestrator does not restart it into a loop).", v -> v.equals("exit") || v.equals("idle") ? null : "must be exit or idle, got " + v);
  public static final ConfigKey<String> LISTEN_HOST = ConfigKey.string("listenHost", "", "Address the three listeners bind to; empty means host. 0.0.0.0 binds every interface, so a Kubernetes pod listens before its DNS name (host) resolves.", v -> null);
  public static final ConfigKey<Integer> GRPC_PORT = ConfigKey.port("grpcPort", "Client port: the gRPC API kv.KeyValue, health and reflection (required).");
  public static final ConfigKey<Integer> HTTP_PORT = ConfigKey.port("httpPort", "HTTP port for operators: /healthz, /metrics, /membership (required).");
  public static final ConfigKey<Integer> PEER_PORT = ConfigKey.port("peerPort", "Peer port: gossip and every node-to-node RPC, mutual TLS unless `insecure` (required).");
  public static final ConfigKey<List<String>> SEEDS = ConfigKey.strings("seeds", "Peer addresses (\"host:peerPort\") to join through.", NodeConfig::seedProblem);
  public static final ConfigKey<String> DATA_DIR = ConfigKey.string("dataDir", "data", "Directory of the SQLite database.", v -> v.isBlank() ? "must not be empty" : null);

  // Replication
  public static final ConfigKey<Integer> REPLICATION_FACTOR = ConfigKey.integer("replicationFactor", 3, 1, Integer.MAX_VALUE, "Number of replicas of each key (RF).");
  public static final ConfigKey<Consistency> WRITE_CONSISTENCY = ConfigKey.consistency("writeConsistency", Consistency.QUORUM, "Default W: ONE, QUORUM (RF/2+1) or ALL.");
  public static final ConfigKey<Consistency> READ_CONSISTENCY = ConfigKey.consistency("readConsistency", Consistency.QUORUM, "Default R: ONE, QUORUM (RF/2+1) or ALL.");
  public static final ConfigKey<Integer> VNODES = ConfigKey.integer("vnodes", 128, 1, 4096, "Virtual nodes (ring tokens) per node.");
  public static final ConfigKey<Integer> REQUEST_TIMEOUT_MS = ConfigKey.integer("requestTimeoutMs", 2000, 10, Integer.MAX_VALUE, "Deadline for a replica to answer, and for W or R answers to arrive; this node's own storage gets the same deadline as a remote replica.");
  public static final ConfigKey<Integer> CAS_TIMEOUT_MS = ConfigKey.integer("casTimeoutMs", 5000, 10, Integer.MAX_VALUE, "Longest a compare-and-set or SERIAL read may take, retried Paxos rounds and backoffs included; each replica call within it still has requestTimeoutMs.");
  public static final ConfigKey<Boolean> CAS_COMMIT_WAIT = ConfigKey.bool("casCommitWait", false, "Answer a compare-and-set only once a quorum stored its commit (three round trips), so a plain QUORUM read that starts after the answer sees it; by default the answer comes once a quorum accepted it (two round trips: chosen and durable, seen at once by SERIAL reads and later CASes, by plain reads once the commit lands).");
  public static final ConfigKey<Integer> STORAGE_TIMEOUT_MS = ConfigKey.integer("storageTimeoutMs", 60000, 100, Integer.MAX_VALUE, "Deadline of one storage request from background work: hint replay, anti-entropy, range moves, status.");
  public static final ConfigKey<Long> REPAIR_TIMEOUT_MS = ConfigKey.longInt("repairTimeoutMs", 86400000L, 1000, Long.MAX_VALUE, "Longest one operator repair (kvctl repair, the console's) may run before it is reported failed.");
  public static final ConfigKey<Boolean> HINTED_HANDOFF = ConfigKey.bool("hintedHandoff", true, "Store hints for replicas that are down or do not answer, and replay them when they are back.");
  public static final ConfigKey<Long> HINT_WINDOW_MS = ConfigKey.longInt("hintWindowMs", 10800000L, 0, Long.MAX_VALUE, "A replica silent for longer gets no new hints (anti-entropy repairs it instead); 3 h.");
  public static final ConfigKey<Integer> MAX_HINTS_PER_NODE = ConfigKey.integer("maxHintsPerNode", 1000000, 0, Integer.MAX_VALUE, "Cap on stored hints per target node; writes beyond it are left to anti-entropy.");
  public static final ConfigKey<Integer> HINT_REPLAY_ROWS_PER_SEC = ConfigKey.integer("hintReplayRowsPerSec", 5000, 1, Integer.MAX_VALUE, "Throttle of hint replay to a returning node.");

  // Gossip and failure detection
  public static final ConfigKey<Integer> GOSSIP_INTERVAL_MS = ConfigKey.integer("gossipIntervalMs", 1000, 10, Integer.MAX_VALUE, "Gossip round period.");
  public static final ConfigKey<Integer> FAILURE_DETECTOR_PHI_SUSPECT = ConfigKey.integer("failureDetectorPhiSuspect", 5, 1, Integer.MAX_VALUE, "Phi at which a silent peer becomes SUSPECT.");
  public static final ConfigKey<Integer> FAILURE_DETECTOR_PHI_DOWN = ConfigKey.integer("failureDetectorPhiDown", 10, 1, Integer.MAX_VALUE, "Phi at which a silent peer becomes DOWN (coordinators stop waiting on it and hint instead).");
  public static final ConfigKey<Integer> FAILURE_DETECTOR_PAUSE_MS = ConfigKey.integer("failureDetectorPauseMs", 2000, 0, Integer.MAX_VALUE, "Heartbeat pause tolerated before phi rises (GC, load); added to the mean interval.");
  public static final ConfigKey<Integer> FAILURE_DETECTOR_MIN_STD_DEV_MS = ConfigKey.integer("failureDetectorMinStdDevMs", 250, 1, Integer.MAX_VALUE, "Floor on the interval deviation, so very regular heartbeats do not make phi jumpy.");
  public static final ConfigKey<Integer> MAX_GOSSIP_BODY_BYTES = ConfigKey.integer("maxGossipBodyBytes", 1048576, 1024, Integer.MAX_VALUE, "Largest accepted gossip body; larger ones get HTTP 413.");
  public static final ConfigKey<Integer> MAX_CLUSTER_NODES = ConfigKey.integer("maxClusterNodes", 512, 1, 10000, "Most members this node keeps, and most it has not yet heard from itself; entries beyond are dropped with a WARN.");
  public static final ConfigKey<Long> DOWN_MEMBER_GOSSIP_AFTER_MS = ConfigKey.longInt("downMemberGossipAfterMs", 300000L, 0, Long.MAX_VALUE, "A member DOWN for longer than this is sent gossip at most once a minute, and a join, decommission or removenode no longer waits for it to hear of the move.");

  // Anti-entropy and tombstones
  public static final ConfigKey<Integer> ANTI_ENTROPY_INTERVAL_MS = ConfigKey.integer("antiEntropyIntervalMs", 30000, 0, Integer.MAX_VALUE, "Anti-entropy period: each tick compares Merkle trees with the next live peer; 0 disables the timer (`kvctl repair` still works).");
  public static final ConfigKey<Integer> STREAM_ROWS_PER_SEC = ConfigKey.integer("streamRowsPerSec", 20000, 1, Integer.MAX_VALUE, "Cap on the rows a node streams per second when ranges move (bootstrap, decommission, removenode).");
  public static final ConfigKey<String> REPLACE_NODE = ConfigKey.string("replaceNode", "", "Id of a dead node this fresh node replaces: it runs under that id (the id fixes the ring positions), with an empty dataDir, takes the dead node's place and streams its ranges from the other replicas before it serves reads.", v -> v.isEmpty() || NODE_ID_CHARS.matcher(v).matches() ? null : "must be a node id");
  public static final ConfigKey<Boolean> ALLOW_STALE_REJOIN = ConfigKey.bool("allowStaleRejoin", false, "Start with data even though this node last heard from its cluster longer than tombstoneGraceMs ago (only when the whole cluster was down that long; otherwise its data may bring back deleted keys: wipe it and use replaceNode).");
  public static final ConfigKey<Boolean> AUTO_BOOTSTRAP = ConfigKey.bool("autoBootstrap", true, "A node with seeds that is not one of them and has never been part of the ring joins as JOINING and streams its ranges before it serves reads (a node without seeds is a cluster of one).");
  public static final ConfigKey<Integer> ANTI_ENTROPY_ROWS_PER_SEC = ConfigKey.integer("antiEntropyRowsPerSec", 5000, 1, Integer.MAX_VALUE, "Cap on anti-entropy work: rows compared under differing Merkle leaves plus rows sent or received, per second.");
  public static final ConfigKey<Long> TOMBSTONE_GRACE_MS = ConfigKey.longInt("tombstoneGraceMs", 864000000L, 0, Long.MAX_VALUE, "Tombstones older than this are purged (10 days, like Cassandra's gc_grace_seconds).");
  public static final ConfigKey<Integer> TOMBSTONE_GC_INTERVAL_MS = ConfigKey.integer("tombstoneGcIntervalMs", 3600000, 100, Integer.MAX_VALUE, "How often the tombstone purge runs.");

  // Storage
  public static final ConfigKey<Integer> WRITE_BATCH_MAX = ConfigKey.integer("writeBatchMax", 512, 1, 10000, "Most writes committed in one SQLite transaction (group commit).");
  public static final ConfigKey<String> STORAGE_SYNC = ConfigKey.string("storageSync", "FULL", "SQLite synchronous mode: FULL (fsync each commit; survives power loss) or NORMAL (survives a process crash).", v -> v.equals("FULL") || v.equals("NORMAL") ? null : "must be FULL or NORMAL, got " + v);
  public static final ConfigKey<Integer> STORAGE_READERS = ConfigKey.integer("storageReaders", 2, 1, 32, "SQLite reader verticles (each its own connection), in parallel with the single writer.");
  public static final ConfigKey<Integer> SQLITE_CACHE_MB = ConfigKey.integer("sqliteCacheMb", 16, 1, 4096, "SQLite page cache of each connection (the writer, each reader), in MiB: enough for the upper levels of a 10M-row table and its index.");
  public static final ConfigKey<Integer> WAL_CHECKPOINT_INTERVAL_MS = ConfigKey.integer("walCheckpointIntervalMs", 20, 1, 60000, "Shortest interval of the background checkpoint that copies the WAL into the database file (at 10M rows every 20 ms keeps the log short of SQLite's own checkpoint, a 250 ms stall every 100 ms).");
  public static final ConfigKey<Integer> WAL_CHECKPOINT_MAX_INTERVAL_MS = ConfigKey.integer("walCheckpointMaxIntervalMs", 1000, 1, 60000, "Longest interval of the background checkpoint, for an idle log; in between, the time the log takes to gain walCheckpointFramesPerCopy pages. Equal to walCheckpointIntervalMs: a fixed interval.");
  public static final ConfigKey<Integer> WAL_CHECKPOINT_FRAMES_PER_COPY = ConfigKey.integer("walCheckpointFramesPerCopy", 200, 1, 1_000_000, "Pages the WAL may gain between two background checkpoints: the interval is the time it takes to gain them at the current write rate.");
  public static final ConfigKey<Boolean> STARTUP_INTEGRITY_CHECK = ConfigKey.bool("startupIntegrityCheck", true, "Run SQLite's quick_check on the database before the node opens it, and refuse to start on a damaged file (a lost write-ahead log is always refused).");
  public static final ConfigKey<Integer> ROW_CACHE_ENTRIES = ConfigKey.integer("rowCacheEntries", 100000, 0, Integer.MAX_VALUE, "Rows kept in memory for reads (a commit drops the rows it changed); 0 disables it.");

  // Limits at the network
  public static final ConfigKey<Integer> MAX_KEY_BYTES = ConfigKey.integer("maxKeyBytes", 1024, 1, Integer.MAX_VALUE, "Largest key, in UTF-8 bytes.");
  public static final ConfigKey<Integer> MAX_VALUE_BYTES = ConfigKey.integer("maxValueBytes", 1048576, 0, 64 * 1024 * 1024, "Largest value, in UTF-8 bytes.");
  public static final ConfigKey<Integer> MAX_MULTI_GET_KEYS = ConfigKey.integer("maxMultiGetKeys", 1000, 1, 100000, "Most keys one MultiGet (or HTTP batch read) may ask for; more are refused with INVALID_ARGUMENT / 400.");
  public static final ConfigKey<Long> MAX_CLOCK_SKEW_MS = ConfigKey.longInt("maxClockSkewMs", 10000L, 100, 3_600_000L, "Largest lead over this node's clock that a version, modified_at or peer clock may have; beyond it they are refused and never observed.");
  public static final ConfigKey<Integer> STALL_REFUSE_MS = ConfigKey.integer("stallRefuseMs", 1000, 0, 600000, "After this node finds itself stalled this long (paused, frozen, starved, a long GC), it refuses for as long again the writes it reads without a client timestamp (UNAVAILABLE): they may have waited in its socket past their client's deadline. 0 turns it off.");
  public static final ConfigKey<Integer> IDLE_TIMEOUT_MS = ConfigKey.integer("idleTimeoutMs", 60000, 1000, Integer.MAX_VALUE, "A connection to any listener that carries no bytes for this long is closed.");
  public static final ConfigKey<Integer> FIRST_REQUEST_TIMEOUT_MS = ConfigKey.integer("firstRequestTimeoutMs", 10000, 100, Integer.MAX_VALUE, "A new connection to any listener must complete its TLS handshake and first request (HTTP/1.1 headers, or the HTTP/2 preface) within this, or it is closed (slowloris).");
  public static final ConfigKey<Integer> MAX_CLIENT_CONNECTIONS = ConfigKey.integer("maxClientConnections", 1024, 1, Integer.MAX_VALUE, "Concurrent connections the client port (grpcPort) accepts; more are closed at once.");
  public static final ConfigKey<Integer> MAX_HTTP_CONNECTIONS = ConfigKey.integer("maxHttpConnections", 256, 1, Integer.MAX_VALUE, "Concurrent connections the HTTP port (httpPort) accepts; more are closed at once.");
  public static final ConfigKey<Integer> MAX_CONNECTIONS_PER_SOURCE = ConfigKey.integer("maxConnectionsPerSource", 256, 1, Integer.MAX_VALUE, "Concurrent connections one remote address may hold on each listener; more are closed at once.");
  public static final ConfigKey<Integer> MAX_NEW_CONNECTIONS_PER_SECOND = ConfigKey.integer("maxNewConnectionsPerSecond", 500, 1, Integer.MAX_VALUE, "New connections one remote address may open per second on each listener (a burst of one second's worth); more are closed at once.");
  public static final ConfigKey<Long> MAX_REQUEST_BYTES_PER_CONNECTION = ConfigKey.longInt("maxRequestBytesPerConnection", 0L, 0, Long.MAX_VALUE, "Request bytes one HTTP/2 connection may hold until its requests are answered; a request beyond it is refused (RESOURCE_EXHAUSTED). 0 means twice the gRPC message limit.");
  public static final ConfigKey<Long> MAX_REQUEST_BYTES_IN_FLIGHT = ConfigKey.longInt("maxRequestBytesInFlight", 0L, 0, Long.MAX_VALUE, "Request bytes the node holds at a time over all connections (gRPC messages and HTTP bodies); beyond it the largest unfinished request is dropped for a newcomer, or the newcomer refused (RESOURCE_EXHAUSTED / 503). 0 means a quarter of the heap.");
  public static final ConfigKey<Integer> MAX_PEER_CONNECTIONS = ConfigKey.integer("maxPeerConnections", 1024, 1, Integer.MAX_VALUE, "Concurrent connections the peer port (peerPort) accepts; more are closed at once.");

  // Security
  public static final ConfigKey<Boolean> INSECURE = ConfigKey.bool("insecure", false, "Run without TLS: every port plaintext and node-to-node calls unauthenticated. Without it the node needs tlsCaFile, tlsCertFile and tlsKeyFile.");
  public static final ConfigKey<String> TLS_CA_FILE = ConfigKey.string("tlsCaFile", "", "PEM certificate of the cluster CA: the peer port accepts only certificates it signed.", v -> null);
  public static final ConfigKey<String> TLS_CERT_FILE = ConfigKey.string("tlsCertFile", "", "PEM certificate of this node, signed by the cluster CA (`java -jar node.jar certs`).", v -> null);
  public static final ConfigKey<String> TLS_KEY_FILE = ConfigKey.string("tlsKeyFile", "", "PEM (PKCS#8) private key of tlsCertFile.", v -> null);
  public static final ConfigKey<Boolean> HTTP_TLS = ConfigKey.bool("httpTls", false, "Serve the HTTP port (console, HTTP/JSON API, /metrics, /healthz) over TLS with this node's certificate, asking for (not requiring) a client certificate: the console's operator actions need the operator's (certs/kvctl.pem) on a secure node.");
  public static final ConfigKey<Boolean> CLIENT_TLS = ConfigKey.bool("clientTls", false, "Serve the client port (grpcPort) over TLS with this node's certificate; plaintext when false.");
  public static final ConfigKey<Boolean> CLIENT_CERT_REQUIRED = ConfigKey.bool("clientCertRequired", false, "With clientTls: clients must present a certificate signed by the cluster CA.");

  // Threads
  public static final ConfigKey<Integer> GRPC_INSTANCES = ConfigKey.integer("grpcInstances", 0, 0, 64, "gRPC verticle instances (one event loop each); 0 means one per core.");
  public static final ConfigKey<Integer> EVENT_LOOPS = ConfigKey.integer("eventLoops", 0, 0, 256, "Event-loop threads of the node, shared by all its verticles; 0 means Vert.x's default, two per core.");

  // Logs and tests
  public static final ConfigKey<Boolean> DEBUG = ConfigKey.bool("debug", false, "Print one trace line per event ([WRITE], [READ], [GOSSIP], ...). Also DEBUG_LOG=true.");
  public static final ConfigKey<String> LOG_LEVEL = ConfigKey.string("logLevel", "INFO", "Least severe log line printed: ERROR, WARN, INFO or DEBUG (DEBUG also turns the per-event trace lines on, like `debug`).", v -> LOG_LEVELS.contains(v.toUpperCase(Locale.ROOT)) ? null : "must be one of " + String.join(", ", LOG_LEVELS) + ", got " + v);
  public static final ConfigKey<Long> CLOCK_OFFSET_MS = ConfigKey.longInt("clockOffsetMs", 0L, -86_400_000L, 86_400_000L, "Added to this node's wall clock; for clock-skew tests only.");

  public static final List<ConfigKey<?>> KEYS = List.of(
      NODE_ID,
      CLUSTER_NAME,
      HOST,
      LISTEN_HOST,
      AFTER_LEAVING,
      GRPC_PORT,
      HTTP_PORT,
      PEER_PORT,
      SEEDS,
      DATA_DIR,
      REPLICATION_FACTOR,
      WRITE_CONSISTENCY,
      READ_CONSISTENCY,
      VNODES,
      REQUEST_TIMEOUT_MS,
      CAS_TIMEOUT_MS,
      CAS_COMMIT_WAIT,
      STORAGE_TIMEOUT_MS,
      REPAIR_TIMEOUT_MS,
      HINTED_HANDOFF,
      HINT_WINDOW_MS,
      MAX_HINTS_PER_NODE,
      HINT_REPLAY_ROWS_PER_SEC,
      GOSSIP_INTERVAL_MS,
      FAILURE_DETECTOR_PHI_SUSPECT,
      FAILURE_DETECTOR_PHI_DOWN,
      FAILURE_DETECTOR_PAUSE_MS,
      FAILURE_DETECTOR_MIN_STD_DEV_MS,
      MAX_GOSSIP_BODY_BYTES,
      MAX_CLUSTER_NODES,
      DOWN_MEMBER_GOSSIP_AFTER_MS,
      ANTI_ENTROPY_INTERVAL_MS,
      STREAM_ROWS_PER_SEC,
      AUTO_BOOTSTRAP,
      ALLOW_STALE_REJOIN,
      REPLACE_NODE,
      ANTI_ENTROPY_ROWS_PER_SEC,
      TOMBSTONE_GRACE_MS,
      TOMBSTONE_GC_INTERVAL_MS,
      WRITE_BATCH_MAX,
      STORAGE_SYNC,
      STORAGE_READERS,
      SQLITE_CACHE_MB,
      WAL_CHECKPOINT_INTERVAL_MS,
      WAL_CHECKPOINT_MAX_INTERVAL_MS,
      WAL_CHECKPOINT_FRAMES_PER_COPY,
      STARTUP_INTEGRITY_CHECK,
      ROW_CACHE_ENTRIES,
      MAX_KEY_BYTES,
      MAX_VALUE_BYTES,
      MAX_MULTI_GET_KEYS,
      MAX_CLOCK_SKEW_MS,
      STALL_REFUSE_MS,
      IDLE_TIMEOUT_MS,
      FIRST_REQUEST_TIMEOUT_MS,
      MAX_CLIENT_CONNECTIONS,
      MAX_HTTP_CONNECTIONS,
      MAX_PEER_CONNECTIONS,
      MAX_CONNECTIONS_PER_SOURCE,
      MAX_NEW_CONNECTIONS_PER_SECOND,
      MAX_REQUEST_BYTES_PER_CONNECTION,
      MAX_REQUEST_BYTES_IN_FLIGHT,
      INSECURE,
      TLS_CA_FILE,
      TLS_CERT_FILE,
      TLS_KEY_FILE,
      CLIENT_TLS,
      HTTP_TLS,
      CLIENT_CERT_REQUIRED,
      GRPC_INSTANCES,
      EVENT_LOOPS,
      DEBUG,
      LOG_LEVEL,
      CLOCK_OFFSET_MS);

  private static final Map<String, ConfigKey<?>> BY_NAME = new LinkedHashMap<>();

  static {
    for (ConfigKey<?> k : KEYS) {
      BY_NAME.put(k.name(), k);
    }
  }

  private final Map<ConfigKey<?>, Object> values;

  private NodeConfig(Map<ConfigKey<?>, Object> values) {
    this.values = values;
  }

  /** Validates {@code json} overridden by {@code env}; throws {@link ConfigException} naming the bad key. */
  public static NodeConfig parse(JsonObject json, Map<String, String> env) {
    Map<ConfigKey<?>, Object> values = new LinkedHashMap<>();
    for (String name : json.fieldNames()) {
      ConfigKey<?> key = BY_NAME.get(name);
      if (name.equals("gossipPort")) {
        throw new ConfigException("config key 'gossipPort' is now 'httpPort' (operators' HTTP), and gossip travels on the new 'peerPort'; seeds name host:peerPort");
      }
      if (key == null) {
        throw new ConfigException("unknown config key '" + name + "' (known keys: " + String.join(", ", BY_NAME.keySet()) + ")");
      }
      values.put(key, key.fromJson(json.getValue(name), "config key"));
    }
    for (ConfigKey<?> key : KEYS) {
      String raw = env.get(key.envName());
      if (raw != null) {
        values.put(key, key.fromEnv(raw));
      }
    }
    if ("true".equalsIgnoreCase(env.get("DEBUG_LOG"))) {
      values.put(DEBUG, true);
    }
    for (ConfigKey<?> key : KEYS) {
      if (!values.containsKey(key)) {
        if (key.required()) {
          throw new ConfigException("missing required config key '" + key.name() + "' (or env " + key.envName() + ")");
        }
        values.put(key, key.defaultValue());
      }
      String problem = key.problem(values.get(key));
      if (problem != null) {
        throw invalid(key.name(), problem);
      }
    }
    NodeConfig c = new NodeConfig(values);
    c.checkTogether();
    return c;
  }

  @SuppressWarnings("unchecked")
  public <T> T get(ConfigKey<T> key) {
    return (T) values.get(key);
  }

  private static String seedProblem(String seed) {
    int colon = seed.lastIndexOf(':');
    if (colon > 0) {
      try {
        int p = Integer.parseInt(seed.substring(colon + 1));
        if (p >= 1 && p <= 65535) {
          return null;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    return "entry '" + seed + "' is not host:peerPort";
  }

  /** What no single key can check: ports apart, thresholds in order, certificates unless insecure. */
  private void checkTogether() {
    require(grpcPort() != httpPort(), "httpPort", "must differ from grpcPort");
    require(peerPort() != grpcPort() && peerPort() != httpPort(), "peerPort", "must differ from grpcPort and httpPort");
    require(failureDetectorPhiDown() >= failureDetectorPhiSuspect(), "failureDetectorPhiDown",
        "must be >= failureDetectorPhiSuspect, got " + failureDetectorPhiDown());
    require(antiEntropyIntervalMs() == 0 || antiEntropyIntervalMs() >= 100, "antiEntropyIntervalMs",
        "must be 0 (off) or >= 100, got " + antiEntropyIntervalMs());
    if (!insecure()) {
      require(!tlsCaFile().isBlank() && !tlsCertFile().isBlank() && !tlsKeyFile().isBlank(), "tlsCaFile",
          "node-to-node traffic needs certificates: set tlsCaFile, tlsCertFile and tlsKeyFile (create them with `java -jar node.jar certs`), or set \"insecure\": true");
    }
    require(replaceNode().isEmpty() || replaceNode().equals(nodeId()), "replaceNode",
        "the replacement runs under the dead node's id (its ring positions come from it): set nodeId to " + replaceNode());
    require(!clientCertRequired() || clientTls(), "clientCertRequired", "needs clientTls: true");
    require(!httpTls() || !insecure(), "httpTls", "serves the node's certificate, which an insecure node does not load; set insecure to false");
    require(!clientTls() || !insecure(), "clientTls", "serves the node's certificate, which an insecure node does not load; set insecure to false");
  }

  private static void require(boolean ok, String key, String problem) {
    if (!ok) {
      throw invalid(key, problem);
    }
  }

  private static ConfigException invalid(String key, String problem) {
    return new ConfigException("invalid config key '" + key + "': " + problem);
  }

  public String nodeId() {
    return get(NODE_ID);
  }

  public String clusterName() {
    return get(CLUSTER_NAME);
  }

  public int streamRowsPerSec() {
    return get(STREAM_ROWS_PER_SEC);
  }

  public String replaceNode() {
    return get(REPLACE_NODE);
  }

  public boolean autoBootstrap() {
    return get(AUTO_BOOTSTRAP);
  }

  public String host() {
    return get(HOST);
  }

  public boolean idleAfterLeaving() {
    return get(AFTER_LEAVING).equals("idle");
  }

  /** Where the listeners bind: listenHost, or host when it is empty. */
  public String listenHost() {
    String l = get(LISTEN_HOST);
    return l.isBlank() ? host() : l;
  }

  public int grpcPort() {
    return get(GRPC_PORT);
  }

  public int httpPort() {
    return get(HTTP_PORT);
  }

  public int peerPort() {
    return get(PEER_PORT);
  }

  public List<String> seeds() {
    return get(SEEDS);
  }

  public String dataDir() {
    return get(DATA_DIR);
  }

  public int replicationFactor() {
    return get(REPLICATION_FACTOR);
  }

  public Consistency writeConsistency() {
    return get(WRITE_CONSISTENCY);
  }

  public Consistency readConsistency() {
    return get(READ_CONSISTENCY);
  }

  public int vnodes() {
    return get(VNODES);
  }

  public int requestTimeoutMs() {
    return get(REQUEST_TIMEOUT_MS);
  }

  public int casTimeoutMs() {
    return get(CAS_TIMEOUT_MS);
  }

  public boolean casCommitWait() {
    return get(CAS_COMMIT_WAIT);
  }

  public boolean hintedHandoff() {
    return get(HINTED_HANDOFF);
  }

  public long hintWindowMs() {
    return get(HINT_WINDOW_MS);
  }

  public int maxHintsPerNode() {
    return get(MAX_HINTS_PER_NODE);
  }

  public int hintReplayRowsPerSec() {
    return get(HINT_REPLAY_ROWS_PER_SEC);
  }

  public int gossipIntervalMs() {
    return get(GOSSIP_INTERVAL_MS);
  }

  public int failureDetectorPhiSuspect() {
    return get(FAILURE_DETECTOR_PHI_SUSPECT);
  }

  public int failureDetectorPhiDown() {
    return get(FAILURE_DETECTOR_PHI_DOWN);
  }

  public int failureDetectorPauseMs() {
    return get(FAILURE_DETECTOR_PAUSE_MS);
  }

  public int failureDetectorMinStdDevMs() {
    return get(FAILURE_DETECTOR_MIN_STD_DEV_MS);
  }

  public int maxGossipBodyBytes() {
    return get(MAX_GOSSIP_BODY_BYTES);
  }

  public int maxClusterNodes() {
    return get(MAX_CLUSTER_NODES);
  }

  public long downMemberGossipAfterMs() {
    return get(DOWN_MEMBER_GOSSIP_AFTER_MS);
  }

  public int antiEntropyIntervalMs() {
    return get(ANTI_ENTROPY_INTERVAL_MS);
  }

  public int antiEntropyRowsPerSec() {
    return get(ANTI_ENTROPY_ROWS_PER_SEC);
  }

  public long tombstoneGraceMs() {
    return get(TOMBSTONE_GRACE_MS);
  }

  public int tombstoneGcIntervalMs() {
    return get(TOMBSTONE_GC_INTERVAL_MS);
  }

  public int writeBatchMax() {
    return get(WRITE_BATCH_MAX);
  }

  public String storageSync() {
    return get(STORAGE_SYNC);
  }

  public int storageReaders() {
    return get(STORAGE_READERS);
  }

  public int sqliteCacheMb() {
    return get(SQLITE_CACHE_MB);
  }

  public int walCheckpointIntervalMs() {
    return get(WAL_CHECKPOINT_INTERVAL_MS);
  }

  /** The checkpoint's longest interval: never below the shortest. */
  public int walCheckpointMaxIntervalMs() {
    return Math.max(walCheckpointIntervalMs(), get(WAL_CHECKPOINT_MAX_INTERVAL_MS));
  }

  public int walCheckpointFramesPerCopy() {
    return get(WAL_CHECKPOINT_FRAMES_PER_COPY);
  }

  public int rowCacheEntries() {
    return get(ROW_CACHE_ENTRIES);
  }

  public int maxMultiGetKeys() {
    return get(MAX_MULTI_GET_KEYS);
  }

  public int maxKeyBytes() {
    return get(MAX_KEY_BYTES);
  }

  public int maxValueBytes() {
    return get(MAX_VALUE_BYTES);
  }

  public long maxClockSkewMs() {
    return get(MAX_CLOCK_SKEW_MS);
  }

  public int storageTimeoutMs() {
    return get(STORAGE_TIMEOUT_MS);
  }

  public long repairTimeoutMs() {
    return get(REPAIR_TIMEOUT_MS);
  }

  public boolean startupIntegrityCheck() {
    return get(STARTUP_INTEGRITY_CHECK);
  }

  public boolean allowStaleRejoin() {
    return get(ALLOW_STALE_REJOIN);
  }

  public int stallRefuseMs() {
    return get(STALL_REFUSE_MS);
  }

  public int idleTimeoutMs() {
    return get(IDLE_TIMEOUT_MS);
  }

  public int firstRequestTimeoutMs() {
    return get(FIRST_REQUEST_TIMEOUT_MS);
  }

  public int maxClientConnections() {
    return get(MAX_CLIENT_CONNECTIONS);
  }

  public int maxHttpConnections() {
    return get(MAX_HTTP_CONNECTIONS);
  }

  public int maxConnectionsPerSource() {
    return get(MAX_CONNECTIONS_PER_SOURCE);
  }

  public int maxNewConnectionsPerSecond() {
    return get(MAX_NEW_CONNECTIONS_PER_SECOND);
  }

  /** Request bytes per HTTP/2 connection: as configured, or twice the gRPC message limit, so two whole messages always fit. */
  public long maxRequestBytesPerConnection() {
    long v = get(MAX_REQUEST_BYTES_PER_CONNECTION);
    return v > 0 ? v : 2 * maxMessageBytes();
  }

  /** Request bytes in flight on the node: as configured, or a quarter of the heap, never less than one connection's. */
  public long maxRequestBytesInFlight() {
    long v = get(MAX_REQUEST_BYTES_IN_FLIGHT);
    return Math.max(v > 0 ? v : Runtime.getRuntime().maxMemory() / 4, maxRequestBytesPerConnection());
  }

  public int maxPeerConnections() {
    return get(MAX_PEER_CONNECTIONS);
  }

  public boolean insecure() {
    return get(INSECURE);
  }

  public String tlsCaFile() {
    return get(TLS_CA_FILE);
  }

  public String tlsCertFile() {
    return get(TLS_CERT_FILE);
  }

  public String tlsKeyFile() {
    return get(TLS_KEY_FILE);
  }

  public boolean httpTls() {
    return get(HTTP_TLS);
  }

  public boolean clientTls() {
    return get(CLIENT_TLS);
  }

  public boolean clientCertRequired() {
    return get(CLIENT_CERT_REQUIRED);
  }

  public int grpcInstances() {
    return get(GRPC_INSTANCES);
  }

  public int eventLoops() {
    return get(EVENT_LOOPS);
  }

  public boolean debug() {
    return get(DEBUG);
  }

  public String logLevel() {
    return get(LOG_LEVEL).toUpperCase(Locale.ROOT);
  }

  public long clockOffsetMs() {
    return get(CLOCK_OFFSET_MS);
  }

  /** Trace lines are on with {@code debug} or with {@code logLevel} DEBUG; either implies the other. */
  public boolean traceOn() {
    return debug() || logLevel().equals("DEBUG");
  }

  /** The level logs are printed at: {@code logLevel}, lowered to DEBUG when {@code debug} is on. */
  public String effectiveLogLevel() {
    return debug() ? "DEBUG" : logLevel();
  }

  public String grpcAddress() {
    return host() + ":" + grpcPort();
  }

  public String httpAddress() {
    return host() + ":" + httpPort();
  }

  public String peerAddress() {
    return host() + ":" + peerPort();
  }

  public int effectiveGrpcInstances() {
    return grpcInstances() > 0 ? grpcInstances() : Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /** Largest gRPC message accepted: 4x the value limit, so oversized values meet our INVALID_ARGUMENT, not the transport's limit. */
  public long maxMessageBytes() {
    return 4L * maxValueBytes() + 4L * maxKeyBytes() + 64 * 1024;
  }

  /** Serialized rows per replica {@code Write} batch: half the message limit, so a batch always fits. */
  public long replicaBatchBytes() {
    return maxMessageBytes() / 2;
  }
}
