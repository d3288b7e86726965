package kvstore.replication;

import io.vertx.core.Future;
import kvstore.quorum.Consistency;
import kvstore.membership.ClusterView;
import kvstore.metrics.NodeMetrics;
import kvstore.log.EventLog;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Coordinates one key's read or write over its preference list, as in Dynamo section 4.5: a
 * write is a {@link WriteRound} (all RF replicas in parallel, done at W; misses go to
 * {@link HintedHandoff}), re-stamped when replicas already hold newer versions; a read is a
 * {@link ReadRound} (R replicas, the newest answer wins, {@link ReadRepair} for the older ones).
 */
public final class Coordinator {
  /** A clock-stamped write that meets a newer stored version is re-stamped at most this often. */
  private static final int MAX_STAMP_ATTEMPTS = 3;

  private final Supplier<ClusterView> view;
  private final Function<String, Replica> replicas;
  private final HybridLogicalClock clock;
  private final int replicationFactor;
  private final WriteRound writeRound;
  private final ReadRepair readRepair;
  private final EventLog log;

  /**
   * Hints do not count toward W: a write is acknowledged only by real replicas (no sloppy quorum),
   * so ALL never succeeds with a replica down and QUORUM keeps its overlap guarantee.
   */
  public Coordinator(Supplier<ClusterView> view, Function<String, Replica> replicas, HybridLogicalClock clock,
                     int replicationFactor, HintSink hints, long hintWindowMs, NodeMetrics metrics, EventLog log) {
    this(view, replicas, clock, replicationFactor, hints, hintWindowMs, System::currentTimeMillis, metrics, log);
  }

  /** {@code wallClockMs}: the time hinted handoff measures a replica's silence against. */
  public Coordinator(Supplier<ClusterView> view, Function<String, Replica> replicas, HybridLogicalClock clock,
                     int replicationFactor, HintSink hints, long hintWindowMs, java.util.function.LongSupplier wallClockMs,
                     NodeMetrics metrics, EventLog log) {
    this.view = view;
    this.replicas = replicas;
    this.clock = clock;
    this.replicationFactor = replicationFactor;
    this.writeRound = new WriteRound(replicas, new HintedHandoff(hints, hintWindowMs, wallClockMs, metrics), metrics, log);
    this.readRepair = new ReadRepair(replicas, metrics, log);
    this.log = log;
  }

  public List<String> preferenceList(String key) {
    return view.get().ring().preferenceList(key, replicationFactor);
  }

  /**
   * Writes a value or tombstone. {@code version} 0 means "stamp it with the cluster clock".
   * Succeeds with the version written once W replicas acknowledged it durably.
   */
  public Future<Long> write(String key, byte[] value, boolean tombstone, long version, Consistency consistency) {
    return write(key, value, tombstone, version, 0, consistency);
  }

  /** As {@link #write(String, byte[], boolean, long, Consistency)}, for a value that expires at {@code expiresAtMs} (0 = never). */
  public Future<Long> write(String key, byte[] value, boolean tombstone, long version, long expiresAtMs, Consistency consistency) {
    List<String> prefs = preferenceList(key);
    int needed = consistency.required(replicationFactor);
    if (prefs.size() < needed) {
      return Future.failedFuture(new ReplicationException(String.format(
          "write needs %d replicas (%s of RF %d) but the cluster has only %d node(s)", needed, consistency, replicationFactor, prefs.size())));
    }
    boolean stamped = version == 0;
    log.trace(() -> "[REPLICAS] " + key + " -> " + prefs);
    return attemptWrite(key, value, tombstone, expiresAtMs, stamped, stamped ? clock.now() : version, prefs, needed, consistency, 1, false);
  }

  /** Where the key's replicas will be once the move in progress is done (the same list when nothing moves). */
  private List<String> futurePreferenceList(String key, List<String> prefs) {
    ClusterView v = view.get();
    return v.moving() ? v.futureRing().preferenceList(key, replicationFactor) : prefs;
  }

  /**
   * One write round; when it fell short only because replicas already hold newer versions (this
   * node's clock was behind their writers'), the clock observes the newest and the write is
   * re-stamped above it, at most MAX_STAMP_ATTEMPTS times.
   *
   * <p>When newer versions came back from more than N - W replicas, those answers meet every
   * W replicas that acknowledged any earlier write, so the re-stamp is above every write
   * acknowledged before this one began. A newer version met after that re-stamp can only be from a
   * write concurrent with this one, which may as well be ordered after it: that attempt is the
   * last, a newer version counts as an ack. Three coordinators putting one key at once then take
   * two rounds at most, not three.
   */
  private Future<Long> attemptWrite(String key, byte[] value, boolean tombstone, long expiresAtMs, boolean stamped, long version,
                                    List<String> prefs, int needed, Consistency consistency, int attempt, boolean last) {
    Versioned row = tombstone ? Versioned.tombstone(key, version) : new Versioned(key, value, version, false, expiresAtMs);
    boolean lastAttempt = !stamped || last || attempt >= MAX_STAMP_ATTEMPTS;
    List<String> future = futurePreferenceList(key, prefs);
    return writeRound.run(view.get(), row, stamped, prefs, future, needed, lastAttempt).compose(r -> {
      if (r.acknowledged()) {
        return Future.succeededFuture(version);
      }
      if (r.newestStale() > 0 && !lastAttempt) {
        clock.observe(r.newestStale());
        boolean sawEveryEarlierWrite = future.equals(prefs) && r.staleAnswers() > prefs.size() - needed;
        return attemptWrite(key, value, tombstone, expiresAtMs, true, clock.now(), prefs, needed, consistency, attempt + 1,
            sawEveryEarlierWrite);
      }
      return Future.failedFuture(new ReplicationException(String.format(
          "write of '%s' acknowledged by %d of %d required replicas (%s, RF %d): %s",
          key, r.acks(), needed, consistency, replicationFactor, String.join("; ", r.failures()))));
    });
  }

  /** Reads the newest version (possibly a tombstone) from R replicas; null when none has the key. */
  public Future<Versioned> read(String key, Consistency consistency) {
    ClusterView v = view.get();
    List<String> prefs = v.ring().preferenceList(key, replicationFactor);
    int needed = consistency.required(replicationFactor);
    if (prefs.size() < needed) {
      return Future.failedFuture(new ReplicationException(String.format(
          "read needs %d replicas (%s of RF %d) but the cluster has only %d node(s)", needed, consistency, replicationFactor, prefs.size())));
    }
    // this node first (no network hop), then replicas believed up, then the rest as a last resort;
    // never a replica still streaming the ranges it replaces a dead node in
    List<String> order = new ArrayList<>(prefs.size());
    if (prefs.contains(v.selfId()) && v.serves(v.selfId())) {
      order.add(v.selfId());
    }
    for (String n : prefs) {
      if (!order.contains(n) && v.isUp(n) && v.serves(n)) {
        order.add(n);
      }
    }
    for (String n : prefs) {
      if (!order.contains(n) && v.serves(n)) {
        order.add(n);
      }
    }
    if (order.size() < needed) {
      return Future.failedFuture(new ReplicationException(String.format(
          "read needs %d replicas (%s of RF %d) but only %d of %s serve reads now (a replacement is streaming its ranges)",
          needed, consistency, replicationFactor, order.size(), prefs)));
    }
    List<String> after = v.moving() ? v.futureRing().preferenceList(key, replicationFactor) : prefs;
    if (after.equals(prefs)) {
      return new ReadRound(key, order, null, List.of(), needed, consistency, replicationFactor, replicas, readRepair, log).run();
    }
    List<String> alsoAsk = after.stream().filter(n -> !order.contains(n)).toList();
    return new ReadRound(key, order, after, alsoAsk, needed, consistency, replicationFactor, replicas, readRepair, log).run();
  }
}
