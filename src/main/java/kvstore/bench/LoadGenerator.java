package kvstore.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.InvalidStatusException;
import kv.KeyValueGrpcClient;
import kv.Kv;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Load through the public API, spread over the targets and over several HTTP/2 connections per
 * target (one connection is served by one server event loop). Closed-loop: {@code concurrency}
 * workers each keep one request in flight, latency from send to answer (so mean latency is
 * in-flight / throughput). Open-loop ({@code rate} > 0): one pacer thread starts request i at
 * start + i / rate whatever the answers do, at most {@code concurrency} in flight, and each latency
 * counts from the intended start, so time a request waited for a slow server is in it (coordinated
 * omission corrected, as YCSB's measurement.interval=intended and cassandra-stress -rate fixed=).
 */
public final class LoadGenerator {
  /** Writes are stamped when invoked, as every client of ours stamps them (see {@link kvstore.version.ClientClock}). */
  private final kvstore.version.ClientClock stamps = kvstore.version.ClientClock.system();
  private final BenchSettings s;
  private final PrintStream out;
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors())));
  /** One connection's stub and the target it reaches. */
  private record Stub(String target, KeyValueGrpcClient client) {
  }

  private final List<Stub> stubs = new ArrayList<>();
  /** Targets whose connection failed, and until when (nanoTime) they get no new calls: a refused node does not spin the workers. */
  private final Map<String, Long> resting = new ConcurrentHashMap<>();
  private static final long REST_NANOS = 200_000_000L;
  private final Recorder recorder = new Recorder(3);
  private final LongAdder ok = new LongAdder();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final AtomicLong issued = new AtomicLong();
  private final KeyChooser keys;
  private final String value;
  private volatile boolean recording;
  private volatile long stopAtNanos;
  private volatile boolean stopped;
  private final AtomicLong maxStartLagNanos = new AtomicLong();
  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

  public LoadGenerator(BenchSettings settings, PrintStream out) {
    this(settings, out, new io.vertx.core.http.HttpClientOptions().setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
  }

  /** {@code transport}: the HTTP/2 connection's options, TLS included when the client port speaks it. */
  public LoadGenerator(BenchSettings settings, PrintStream out, io.vertx.core.http.HttpClientOptions transport) {
    this.s = settings;
    this.out = out;
    this.keys = settings.distribution().equals("zipfian") ? KeyChooser.zipfian(settings.keys()) : KeyChooser.uniform(settings.keys());
    this.value = "v".repeat(settings.valueSize());
    for (String target : settings.targets()) {
      int colon = target.lastIndexOf(':');
      var addr = io.vertx.core.net.SocketAddress.inetSocketAddress(Integer.parseInt(target.substring(colon + 1)), target.substring(0, colon));
      for (int c = 0; c < settings.connectionsPerTarget(); c++) {
        GrpcClient client = GrpcClient.client(vertx, new GrpcClientOptions().setTimeout(30).setTimeoutUnit(TimeUnit.SECONDS)
            .setScheduleDeadlineAutomatically(true).setMaxMessageSize(256L * 1024 * 1024), new io.vertx.core.http.HttpClientOptions(transport));
        stubs.add(new Stub(target, KeyValueGrpcClient.create(client, addr)));
      }
    }
  }

  private static String key(long i) {
    return "key" + i;
  }

  /** Ends the run early (Ctrl-C, SIGTERM): the calls in flight finish and the result covers the time measured so far. */
  public void stop() {
    stopped = true;
    stopAtNanos = 0;
  }

  public BenchResult run() {
    try {
      if (s.preload()) {
        long t0 = System.nanoTime();
        out.printf("[bench] preloading %d keys of %d bytes...%n", s.keys(), s.valueSize());
        AtomicLong next = new AtomicLong();
        long tenth = Math.max(1, s.keys() / 10);
        phase(Long.MAX_VALUE, () -> {
          long i = next.getAndIncrement();
          if (i > 0 && i % tenth == 0 && i < s.keys()) {
            // a long preload (millions of keys) says how far it got, about every tenth
            double secs = (System.nanoTime() - t0) / 1e9;
            out.printf("[bench] preloading: %d of %d keys sent in %.0f s (%.0f/s)%n", i, s.keys(), secs, i / secs);
          }
          return i < s.keys() ? put(i) : null;
        }, false);
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf("[bench] preloaded in %.1f s (%.0f puts/s)%n", secs, s.keys() / secs);
      }
      if (s.warmupMs() > 0) {
        out.printf("[bench] warming up for %.0f s%n", s.warmupMs() / 1000.0);
        phase(s.warmupMs(), this::nextOp, false);
      }
      ok.reset();
      errors.clear();
      recorder.reset();
      issued.set(0);
      maxStartLagNanos.set(0);
      long t0 = System.nanoTime();
      Histogram total = phase(s.durationMs(), this::nextOp, true);
      double secs = (System.nanoTime() - t0) / 1e9;
      Map<String, Long> errs = new java.util.TreeMap<>();
      errors.forEach((k, v) -> errs.put(k, v.sum()));
      return new BenchResult(s, ok.sum(), errs, secs, total, maxStartLagNanos.get() / 1000);
    } finally {
      vertx.close();
    }
  }

  private Future<?> nextOp() {
    if (s.requests() > 0 && issued.incrementAndGet() > s.requests()) {
      return null;
    }
    long k = keys.next();
    return switch (s.op()) {
      case "put" -> put(k);
      case "get" -> get(k);
      // the value every key holds after --preload: each compare-and-set applies (same value, a new version)
      case "cas" -> call(c -> c.compareAndSet(Kv.CasRequest.newBuilder().setKey(key(k)).setExpectValue(value).setValue(value).build()));
      case "delete" -> call(c -> c.delete(Kv.DeleteRequest.newBuilder().setKey(key(k)).setConsistency(s.consistency()).setTimestampUs(stamps.next()).build()));
      default -> ThreadLocalRandom.current().nextDouble() < s.readRatio() ? get(k) : put(k);
    };
  }

  /** A random connection, of a target that is not resting when there is one. */
  private Stub stub() {
    long now = System.nanoTime();
    for (int attempt = 0; attempt < 2 * stubs.size(); attempt++) {
      Stub st = stubs.get(ThreadLocalRandom.current().nextInt(stubs.size()));
      Long until = resting.get(st.target());
      if (until == null || until < now) {
        return st;
      }
    }
    return stubs.get(ThreadLocalRandom.current().nextInt(stubs.size()));
  }

  /**
   * Runs one call on a connection; a failure without a gRPC status (connection refused or reset)
   * is counted as that target's and rests the target briefly, so the run goes on with the others
   * (a rolling restart can be measured).
   */
  private Future<?> call(java.util.function.Function<KeyValueGrpcClient, Future<?>> op) {
    Stub st = stub();
    return op.apply(st.client()).recover(err -> {
      if (!(err instanceof InvalidStatusException)) {
        resting.put(st.target(), System.nanoTime() + REST_NANOS);
        return Future.failedFuture(new TargetUnreachable(st.target(), err));
      }
      return Future.failedFuture(err);
    });
  }

  /** A transport failure, named with its target in the error counts. */
  static final class TargetUnreachable extends RuntimeException {
    final String target;

    TargetUnreachable(String target, Throwable cause) {
      super(cause.getMessage(), cause, false, false);
      this.target = target;
    }
  }

  private Future<?> put(long k) {
    return call(c -> c.put(Kv.PutRequest.newBuilder().setKey(key(k)).setValue(value).setConsistency(s.consistency()).setTimestampUs(stamps.next()).build()));
  }

  private Future<?> get(long k) {
    return call(c -> c.get(Kv.GetRequest.newBuilder().setKey(key(k)).setConsistency(s.consistency()).build()));
  }

  /** Runs the workers until the duration passes or the op source is exhausted (null); prints one line per second. */
  private Histogram phase(long durationMs, java.util.function.Supplier<Future<?>> ops, boolean record) {
    recording = record;
    stopAtNanos = stopped ? 0 : durationMs == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + durationMs * 1_000_000;
    List<Future<Void>> workers = new ArrayList<>();
    if (s.rate() > 0 && durationMs != Long.MAX_VALUE) {
      workers.add(paced(ops));
    } else {
      for (int w = 0; w < s.concurrency(); w++) {
        Promise<Void> done = Promise.promise();
        workers.add(done.future());
        vertx.runOnContext(v -> loop(ops, done));
      }
    }
    Histogram total = new Histogram(3);
    Future<?> all = Future.join(workers);
    long started = System.nanoTime();
    long lastOk = 0;
    while (!all.isComplete()) {
      try {
        all.toCompletionStage().toCompletableFuture().get(1, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // a second passed: report progress below
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      Histogram interval = recorder.getIntervalHistogram();
      total.add(interval);
      long nowOk = ok.sum();
      long errs = errors.values().stream().mapToLong(LongAdder::sum).sum();
      if (record && !all.isComplete()) {
        out.printf("[bench] %4.0fs %8d ops/s  errors=%d  p99 so far=%.2fms%n", (System.nanoTime() - started) / 1e9,
            nowOk - lastOk, errs, total.getTotalCount() == 0 ? 0 : total.getValueAtPercentile(99) / 1000.0);
      }
      lastOk = nowOk;
    }
    total.add(recorder.getIntervalHistogram());
    return total;
  }

  private void loop(java.util.function.Supplier<Future<?>> ops, Promise<Void> done) {
    if (System.nanoTime() >= stopAtNanos) {
      done.complete();
      return;
    }
    long t0 = System.nanoTime();
    Future<?> f = ops.get();
    if (f == null) {
      done.complete();
      return;
    }
    f.onComplete(ar -> {
      completed(ar, t0);
      loop(ops, done);
    });
  }

  /** Counts one answer; its latency runs from {@code startNanos}: the send, or open-loop the intended start. */
  private void completed(io.vertx.core.AsyncResult<?> ar, long startNanos) {
    if (ar.succeeded()) {
      if (recording) {
        recorder.recordValue(Math.max(1, (System.nanoTime() - startNanos) / 1000));
      }
      ok.increment();
    } else {
      String kind = ar.cause() instanceof InvalidStatusException e ? e.actualStatus().name()
          : ar.cause() instanceof TargetUnreachable u ? "unreachable " + u.target : ar.cause().getClass().getSimpleName();
      errors.computeIfAbsent(kind, x -> new LongAdder()).increment();
    }
  }

  /**
   * The open-loop schedule on a thread of its own (a timer on an event loop would add its tick to
   * every latency): request i is due at start + i / rate; it waits while {@code concurrency} are
   * in flight, and that wait is part of its latency. Completes when the duration has passed and
   * every request started has been answered.
   */
  private Future<Void> paced(java.util.function.Supplier<Future<?>> ops) {
    Promise<Void> done = Promise.promise();
    // sends run on the generator's event loops, as closed-loop workers do: a call made from a
    // thread outside Vert.x gets a fresh context each time, which cost the pacer ~1 s of lag at
    // 300 calls/s
    io.vertx.core.Context[] loops = new io.vertx.core.Context[Math.max(2, Runtime.getRuntime().availableProcessors())];
    for (int l = 0; l < loops.length; l++) {
      loops[l] = vertx.getOrCreateContext();
    }
    Thread pacer = new Thread(() -> {
      double intervalNanos = 1e9 / s.rate();
      long start = System.nanoTime();
      for (long i = 0; ; i++) {
        long intended = start + (long) (i * intervalNanos);
        if (intended >= stopAtNanos) {
          break;
        }
        for (long now = System.nanoTime(); now < intended; now = System.nanoTime()) {
          java.util.concurrent.locks.LockSupport.parkNanos(Math.min(intended - now, 100_000));
        }
        while (inFlight.get() >= s.concurrency() && System.nanoTime() < stopAtNanos) {
          java.util.concurrent.locks.LockSupport.parkNanos(20_000);
        }
        if (System.nanoTime() >= stopAtNanos) {
          break;
        }
        if (recording) {
          maxStartLagNanos.accumulateAndGet(System.nanoTime() - intended, Math::max);
        }
        inFlight.incrementAndGet();
        loops[(int) (i % loops.length)].runOnContext(v -> {
          Future<?> f = ops.get();
          if (f == null) {
            inFlight.decrementAndGet();
            return;
          }
          f.onComplete(ar -> {
            inFlight.decrementAndGet();
            completed(ar, intended);
          });
        });
      }
      while (inFlight.get() > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      done.complete();
    }, "bench-pacer");
    pacer.setDaemon(true);
    pacer.start();
    return done.future();
  }
}
