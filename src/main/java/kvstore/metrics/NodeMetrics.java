package kvstore.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * One node's meters, in one registry per node (several nodes share a JVM in tests). Names follow
 * Prometheus conventions once exported: {@code kv_rpc_requests_total}, {@code kv_rpc_latency_seconds}, ...
 * Meters are thread-safe; every verticle of the node records into the same instance.
 */
public final class NodeMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter hintsStored;
  private final Counter hintsReplayed;
  private final Counter hintsDropped;
  private final Counter readRepairs;
  private final Counter antiEntropyRows;
  private final Counter antiEntropyRounds;
  private final Counter antiEntropyBytes;
  private final Counter antiEntropyLeaves;
  private final Counter gossipRounds;
  private final DistributionSummary commitRows;
  private final Timer commitLatency;
  private final Timer eventLoopLag;
  private final Map<BatchKind, DistributionSummary> batchItems = new EnumMap<>(BatchKind.class);

  /** What a turn's batch carried: writes or reads to a peer, or writes to this node's own storage writer. */
  public enum BatchKind { WRITE, READ, LOCAL_WRITE }

  public NodeMetrics(String nodeId) {
    registry.config().commonTags("node", nodeId);
    hintsStored = Counter.builder("kv.hints.stored").description("Hints stored for replicas that missed a write").register(registry);
    hintsReplayed = Counter.builder("kv.hints.replayed").description("Hints delivered to their target and deleted").register(registry);
    hintsDropped = Counter.builder("kv.hints.dropped").description("Hints not stored: target beyond the hint window or cap").register(registry);
    readRepairs = Counter.builder("kv.read.repairs").description("Stale replicas written back during reads").register(registry);
    antiEntropyRows = Counter.builder("kv.anti.entropy.rows").description("Rows exchanged by anti-entropy").register(registry);
    antiEntropyRounds = Counter.builder("kv.anti.entropy.rounds").description("Anti-entropy rounds run").register(registry);
    antiEntropyBytes = Counter.builder("kv.anti.entropy.bytes").description("Bytes of anti-entropy messages sent and received (tree hashes, digests, rows)").register(registry);
    antiEntropyLeaves = Counter.builder("kv.anti.entropy.leaves.differing").description("Merkle leaves found differing from a peer's").register(registry);
    gossipRounds = Counter.builder("kv.gossip.rounds").description("Gossip rounds run").register(registry);
    commitRows = DistributionSummary.builder("kv.storage.commit.rows").description("Rows per SQLite transaction (group commit)")
        .publishPercentileHistogram().register(registry);
    commitLatency = Timer.builder("kv.storage.commit").description("SQLite transaction latency").publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(5)).register(registry);
    for (BatchKind kind : BatchKind.values()) {
      batchItems.put(kind, replicaBatch(kind.name().toLowerCase(Locale.ROOT)));
    }
    eventLoopLag = Timer.builder("kv.event.loop.lag").description("Delay of a 100 ms timer on the gRPC event loops")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  private DistributionSummary replicaBatch(String kind) {
    return DistributionSummary.builder("kv.replica.batch.items")
        .description("Writes or reads a node sent one replica in one event-loop turn: to a peer one Write, ReadMany or Read call "
            + "(more when the peer defers keys), to its own storage (local_write) one request to the writer")
        .tags("kind", kind).publishPercentileHistogram().maximumExpectedValue(128.0).register(registry);
  }

  /** Records the item count of each batch of {@code kind} sent in one event-loop turn. */
  public IntConsumer batchSizes(BatchKind kind) {
    DistributionSummary summary = batchItems.get(kind);
    return summary::record;
  }

  /**
   * Counts what the trust boundary turned away, by reason: clock_skew, peer_unauthenticated,
   * peer_forbidden, client_port_internal, gossip_entry, connection_cap.
   */
  public void refused(String reason) {
    Counter.builder("kv.security.refused").description("Requests, connections, versions and gossip entries refused at the trust boundary")
        .tags("reason", reason).register(registry).increment();
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Exports the row cache's size and the Merkle trees' state, read when scraped. */
  public void watch(java.util.function.IntSupplier cachedRows, java.util.function.LongSupplier treeRowsScanned,
                    java.util.function.BooleanSupplier treesReady) {
    io.micrometer.core.instrument.Gauge.builder("kv.row.cache.entries", () -> cachedRows.getAsInt())
        .description("Rows in the row cache").register(registry);
    io.micrometer.core.instrument.Gauge.builder("kv.merkle.rows.scanned", () -> treeRowsScanned.getAsLong())
        .description("Rows the current Merkle tree build has scanned").register(registry);
    io.micrometer.core.instrument.Gauge.builder("kv.merkle.ready", () -> treesReady.getAsBoolean() ? 1 : 0)
        .description("1 once the Merkle trees of the current ring are built").register(registry);
    io.micrometer.core.instrument.Gauge.builder("kv.storage.disk.full", diskFull::get)
        .description("1 while this node's disk is full (its last commit failed for lack of space)").register(registry);
  }

  /** The Prometheus text exposition of every meter, Vert.x's own included. */
  public String scrape() {
    return registry.scrape();
  }

  // Meters are looked up once per tag set and kept: a builder's register() on every request
  // (tag sorting, registry lookup, double-registration check) was 13% of a put's CPU in a profile.
  private final Map<String, Counter> rpcCounts = new ConcurrentHashMap<>();
  private final Map<String, Timer> rpcLatency = new ConcurrentHashMap<>();
  private final Map<String, Counter> replicaWrites = new ConcurrentHashMap<>();

  public void rpc(String method, String status, long nanos) {
    rpcCounts.computeIfAbsent(method + '\0' + status, k -> Counter.builder("kv.rpc.requests").description("gRPC requests served")
        .tags("method", method, "status", status).register(registry)).increment();
    rpcLatency.computeIfAbsent(method, k -> Timer.builder("kv.rpc.latency").description("gRPC request latency").tags("method", method)
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
  }

  private final Map<String, LatencyWindow> windows = new ConcurrentHashMap<>();

  /**
   * What the console charts, for this node: per client method its calls so far ({@code ops.Put})
   * and its p50/p99 in ms over the last few seconds ({@code p50.Put}, {@code p99.Put}; absent when
   * it had no calls then); and the
   * replication counters so far ({@code replica.write.failed}, {@code hints.stored},
   * {@code hints.replayed}, {@code read.repairs}, {@code anti_entropy.rows}). Counts only grow:
   * the reader turns them into rates.
   */
  public Map<String, Double> stats(long nowMs) {
    Map<String, Double> out = new java.util.TreeMap<>();
    rpcCounts.forEach((k, c) -> out.merge("ops." + k.substring(0, k.indexOf('\0')), c.count(), Double::sum));
    rpcLatency.forEach((method, t) -> {
      io.micrometer.core.instrument.distribution.CountAtBucket[] buckets = t.takeSnapshot().histogramCounts();
      double[] bounds = new double[buckets.length];
      long[] counts = new long[buckets.length];
      for (int i = 0; i < buckets.length; i++) {
        bounds[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
        counts[i] = (long) buckets[i].count();
      }
      LatencyWindow.Percentiles p = windows.computeIfAbsent(method, m -> new LatencyWindow(2000)).sample(bounds, counts, nowMs);
      if (p.calls() > 0) {
        out.put("p50." + method, p.p50Ms());
        out.put("p99." + method, p.p99Ms());
      }
    });
    Counter failed = replicaWrites.get("failed");
    out.put("replica.write.failed", failed == null ? 0 : failed.count());
    out.put("hints.stored", hintsStored.count());
    out.put("hints.replayed", hintsReplayed.count());
    out.put("read.repairs", readRepairs.count());
    out.put("anti_entropy.rows", antiEntropyRows.count());
    out.put("disk.full", (double) diskFull.get());
    out.put("cas.rounds", casCount("round.prepare"));
    out.put("cas.contended", casCount("contended"));
    out.put("cas.applied", casCount("applied"));
    return out;
  }

  private final Map<String, Counter> casCounts = new ConcurrentHashMap<>();

  /**
   * Compare-and-set as a coordinator saw it: {@code applied}, {@code not_applied} (the condition
   * failed), {@code read} (a SERIAL read), {@code failed}; and per round, {@code round.prepare},
   * {@code round.propose}, {@code round.commit}, {@code contended} (a round lost to a higher ballot,
   * retried after a backoff) and {@code finished} (another proposer's round completed first).
   */
  public void cas(String event) {
    casCounts.computeIfAbsent(event, k -> Counter.builder("kv.cas").description("Compare-and-set outcomes and Paxos rounds")
        .tag("event", event).register(registry)).increment();
  }

  private double casCount(String event) {
    Counter c = casCounts.get(event);
    return c == null ? 0 : c.count();
  }

  /** One replica write by a coordinator: outcome ok, failed (error or timeout), down (skipped, hinted) or stale. */
  public void replicaWrite(String outcome) {
    replicaWrites.computeIfAbsent(outcome, k -> Counter.builder("kv.replica.writes").description("Replica writes sent by coordinators")
        .tag("outcome", outcome).register(registry)).increment();
  }

  public void hintStored() {
    hintsStored.increment();
  }

  public void hintDropped() {
    hintsDropped.increment();
  }

  public void hintsReplayed(long n) {
    hintsReplayed.increment(n);
  }

  public void readRepair() {
    readRepairs.increment();
  }

  /** One sync with one peer: rows sent plus received, message bytes, leaves that differed. */
  public void antiEntropyRound(long rows, long bytes, long leavesDiffering) {
    antiEntropyRounds.increment();
    antiEntropyRows.increment(rows);
    antiEntropyBytes.increment(bytes);
    antiEntropyLeaves.increment(leavesDiffering);
  }

  public void gossipRound() {
    gossipRounds.increment();
  }

  private final java.util.concurrent.atomic.AtomicInteger diskFull = new java.util.concurrent.atomic.AtomicInteger();

  /** Whether this node's disk is full (its last commit failed for lack of space). */
  public void diskFull(boolean full) {
    diskFull.set(full ? 1 : 0);
  }

  public void storageCommit(int rows, long nanos) {
    commitRows.record(rows);
    commitLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void eventLoopLag(long nanos) {
    eventLoopLag.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }
}
