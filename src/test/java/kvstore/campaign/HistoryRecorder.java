package kvstore.campaign;

import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import kv.Kv;
import kvstore.testing.KvClient;
import kvstore.version.ClientClock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Client workers that put, get and delete a small key space through random nodes and record every
 * operation ({@link Op}): writes at QUORUM mostly, some at ONE and ALL; reads at QUORUM mostly, some
 * at ONE; every value unique; writes stamped by the client's clock. An operation that ends with
 * INVALID_ARGUMENT is FAIL (the node refused it before any replica saw it); any other error,
 * a timeout or a lost connection included, is INFO (indeterminate). Seeded per worker.
 */
public final class HistoryRecorder {
  private final List<KvClient> clients;
  private final List<String> nodes;
  private final int keys;
  private final long t0;
  private final Random seeds;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong ids = new AtomicLong();
  private final List<Op> ops = Collections.synchronizedList(new ArrayList<>());
  private final List<Thread> threads = new ArrayList<>();
  private final ClientClock stamps = ClientClock.system();

  public HistoryRecorder(List<KvClient> clients, List<String> nodes, int keys, long seed, long t0) {
    this.clients = clients;
    this.nodes = nodes;
    this.keys = keys;
    this.seeds = new Random(seed);
    this.t0 = t0;
  }

  public HistoryRecorder start(int workers) {
    for (int w = 0; w < workers; w++) {
      int process = w;
      Random r = new Random(seeds.nextLong());
      threads.add(new Thread(() -> work(process, r), "campaign-client-" + w));
    }
    threads.forEach(Thread::start);
    return this;
  }

  private void work(int process, Random r) {
    long seq = 0;
    while (running.get()) {
      int node = r.nextInt(clients.size());
      String key = "key" + r.nextInt(keys);
      int dice = r.nextInt(100);
      Op.Type type = dice < 45 ? Op.Type.PUT : dice < 55 ? Op.Type.DELETE : Op.Type.GET;
      String consistency;
      if (type == Op.Type.GET) {
        consistency = r.nextInt(10) == 0 ? "ONE" : "QUORUM";
      } else {
        int c = r.nextInt(10);
        consistency = c == 0 ? "ONE" : c == 1 ? "ALL" : "QUORUM";
      }
      String value = type == Op.Type.PUT ? "p" + process + "-" + (++seq) : null;
      ops.add(call(process, clients.get(node), nodes.get(node), type, key, value, consistency));
    }
  }

  private Op call(int process, KvClient client, String node, Op.Type type, String key, String value, String consistency) {
    long id = ids.incrementAndGet();
    Kv.Consistency c = Kv.Consistency.valueOf(consistency);
    long invoke = System.nanoTime() - t0;
    String read = null;
    Op.Outcome outcome = Op.Outcome.OK;
    String error = null;
    try {
      switch (type) {
        case PUT -> {
          if (!bounded(client.stub().put(Kv.PutRequest.newBuilder().setKey(key).setValue(value).setConsistency(c)
              .setTimestampUs(stamps.next()).build())).getOk()) {
            outcome = Op.Outcome.INFO;
            error = "ok=false";
          }
        }
        case DELETE -> {
          if (!bounded(client.stub().delete(Kv.DeleteRequest.newBuilder().setKey(key).setConsistency(c).setTimestampUs(stamps.next())
              .build())).getOk()) {
            outcome = Op.Outcome.INFO;
            error = "ok=false";
          }
        }
        case GET -> {
          Kv.GetResponse got = bounded(client.stub().get(Kv.GetRequest.newBuilder().setKey(key).setConsistency(c).build()));
          read = got.getFound() ? got.getValue() : null;
        }
      }
    } catch (InvalidStatusException e) {
      outcome = e.actualStatus() == GrpcStatus.INVALID_ARGUMENT ? Op.Outcome.FAIL : Op.Outcome.INFO;
      error = e.actualStatus().name();
    } catch (Exception e) {
      // Future.await() rethrows checked causes as they are (a refused connection, a timeout)
      outcome = Op.Outcome.INFO;
      error = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    long complete = System.nanoTime() - t0;
    return new Op(id, process, type, key, type == Op.Type.GET ? read : value, 0, node, consistency, invoke, complete, outcome, error);
  }

  /**
   * The call's answer, or a timeout: the gRPC deadline starts only once a connection is up, and
   * connecting to a paused node waits for nothing.
   */
  private static <T> T bounded(io.vertx.core.Future<T> call) {
    return call.timeout(CALL_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS).await();
  }

  private static final long CALL_TIMEOUT_MS = 2000;

  /** Operations acknowledged (OK) so far. */
  public long acknowledged() {
    synchronized (ops) {
      return ops.stream().filter(o -> o.outcome() == Op.Outcome.OK).count();
    }
  }

  /** Stops the workers; returns the history, in invocation order. */
  public List<Op> stop() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(30_000);
    }
    List<Op> out = new ArrayList<>(ops);
    out.sort(java.util.Comparator.comparingLong(Op::invokeNs));
    return out;
  }

  /** One read at ALL of every key through {@code client}, after healing and repair. */
  public List<Op> finalReads(KvClient client, String node) {
    List<Op> out = new ArrayList<>();
    for (int k = 0; k < keys; k++) {
      Op r = call(-1, client, node, Op.Type.GET, "key" + k, null, "ALL");
      if (r.outcome() != Op.Outcome.OK) {
        throw new AssertionError("a final read failed after healing: " + r);
      }
      out.add(r);
    }
    return out;
  }

  /** A history as {@link #write} left it: the operations, then the final reads. */
  public record Saved(List<Op> history, List<Op> finals) {
  }

  public static Saved read(Path file) throws IOException {
    List<Op> history = new ArrayList<>();
    List<Op> finals = new ArrayList<>();
    try (java.util.stream.Stream<String> lines = Files.lines(file)) {
      lines.filter(l -> !l.isBlank()).map(io.vertx.core.json.JsonObject::new)
          .forEach(j -> (j.getBoolean("final", false) ? finals : history).add(Op.fromJson(j)));
    }
    return new Saved(history, finals);
  }

  public static void write(Path file, List<Op> history, List<Op> finals) throws IOException {
    List<String> lines = new ArrayList<>();
    history.forEach(o -> lines.add(o.toJson().encode()));
    finals.forEach(o -> lines.add(o.toJson().put("final", true).encode()));
    Files.write(file, lines);
  }
}
