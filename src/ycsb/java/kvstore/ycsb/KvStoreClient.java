package kvstore.ycsb;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import kv.KeyValueGrpcClient;
import kv.Kv;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * YCSB over this store's gRPC API ({@code kv.KeyValue}). Properties: {@code kvstore.targets}
 * (host:grpcPort,... ; each YCSB thread takes the next), {@code kvstore.consistency}
 * (ONE|QUORUM|ALL, default QUORUM), {@code kvstore.timeoutms} (default 10000), and YCSB's own
 * {@code fieldcount}. A record's fields are one value (JSON); an update that names every field is
 * a put, one that names fewer reads the record first and writes it merged. With
 * {@code kvstore.cas=true} every update is a read at SERIAL and a compare-and-set on the version
 * read, tried again (up to 10 times) when another update came between (Cassandra's
 * {@code UPDATE ... IF}): no concurrent update of other fields is lost. Scans are
 * NOT_IMPLEMENTED: keys are hashed over the ring, with no order to scan in.
 */
public final class KvStoreClient extends DB {
  private static final Object LOCK = new Object();
  private static Vertx vertx;
  private static int clients;
  private static final AtomicInteger NEXT = new AtomicInteger();
  /** Every write is stamped when invoked, one increasing clock for the whole client, as the CQL driver does. */
  private static final kvstore.version.ClientClock STAMPS = kvstore.version.ClientClock.system();

  private KeyValueGrpcClient stub;
  /** Where this client's calls run: a call made from a YCSB thread directly would get a fresh Vert.x context each time, which is slow. */
  private io.vertx.core.Context context;
  private Kv.Consistency consistency;
  private int fieldCount;
  private long timeoutMs;
  private boolean cas;
  /** A CAS update that keeps losing to others gives up after this many tries (YCSB counts it as an error). */
  private static final int CAS_TRIES = 10;

  @Override
  public void init() throws DBException {
    Properties p = getProperties();
    String[] targets = p.getProperty("kvstore.targets", "127.0.0.1:50051").split(",");
    try {
      consistency = Kv.Consistency.valueOf(p.getProperty("kvstore.consistency", "QUORUM"));
    } catch (IllegalArgumentException e) {
      throw new DBException("kvstore.consistency must be ONE, QUORUM or ALL");
    }
    fieldCount = Integer.parseInt(p.getProperty("fieldcount", "10"));
    timeoutMs = Long.parseLong(p.getProperty("kvstore.timeoutms", "10000"));
    cas = Boolean.parseBoolean(p.getProperty("kvstore.cas", "false"));
    String target = targets[Math.floorMod(NEXT.getAndIncrement(), targets.length)].trim();
    int colon = target.lastIndexOf(':');
    synchronized (LOCK) {
      if (vertx == null) {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors())));
      }
      clients++;
    }
    context = vertx.getOrCreateContext();
    GrpcClient client = GrpcClient.client(vertx, new GrpcClientOptions().setTimeout((int) timeoutMs).setTimeoutUnit(TimeUnit.MILLISECONDS)
            .setScheduleDeadlineAutomatically(true),
        new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    stub = KeyValueGrpcClient.create(client,
        SocketAddress.inetSocketAddress(Integer.parseInt(target.substring(colon + 1)), target.substring(0, colon)));
    connect(target);
  }

  /**
   * Opens this thread's connection with one read before YCSB starts the thread's schedule, as the
   * CQL driver's session does: the first call on a fresh connection in a fresh JVM (HTTP/2
   * handshake, class loading, 16 threads at once on two cores) took 0.5-1 s, and at a fixed rate
   * every operation scheduled behind it counted that wait from its intended start - the open-loop
   * p95 was 0.6 s for it alone. A target that cannot be read from fails here, with its address.
   */
  private void connect(String target) throws DBException {
    try {
      call(() -> stub.get(Kv.GetRequest.newBuilder().setKey("kvstore.ycsb:connect").setConsistency(consistency).build()));
    } catch (RuntimeException e) {
      cleanup();
      String why = e instanceof InvalidStatusException s ? "gRPC status " + s.actualStatus().name() : e.getMessage();
      throw new DBException("cannot read through " + target + ": " + why);
    }
  }

  @Override
  public void cleanup() {
    synchronized (LOCK) {
      if (--clients == 0 && vertx != null) {
        vertx.close().await();
        vertx = null;
      }
    }
  }

  /** Runs one call on this client's event loop and waits for its answer (YCSB's threads block by design). */
  private <T> T call(java.util.function.Supplier<io.vertx.core.Future<T>> rpc) {
    io.vertx.core.Promise<T> answer = io.vertx.core.Promise.promise();
    context.runOnContext(v -> rpc.get().onComplete(answer));
    return answer.future().await();
  }

  /** YCSB's status for a failed call: the gRPC status, mapped. */
  static Status status(Throwable err) {
    if (err instanceof InvalidStatusException e) {
      GrpcStatus s = e.actualStatus();
      return switch (s) {
        case INVALID_ARGUMENT, OUT_OF_RANGE -> Status.BAD_REQUEST;
        case NOT_FOUND -> Status.NOT_FOUND;
        case UNAVAILABLE, RESOURCE_EXHAUSTED -> Status.SERVICE_UNAVAILABLE;
        case DEADLINE_EXCEEDED -> new Status("DEADLINE_EXCEEDED", "the call ran past kvstore.timeoutms");
        case PERMISSION_DENIED, UNAUTHENTICATED -> Status.FORBIDDEN;
        case UNIMPLEMENTED -> Status.NOT_IMPLEMENTED;
        default -> new Status(s.name(), "gRPC status " + s.name());
      };
    }
    return Status.ERROR;
  }

  private Map<String, String> fetch(String key) {
    Kv.GetResponse r = call(() -> stub.get(Kv.GetRequest.newBuilder().setKey(key).setConsistency(consistency).build()));
    return r.getFound() ? RecordCodec.decode(r.getValue()) : null;
  }

  @Override
  public Status read(String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
    try {
      Map<String, String> record = fetch(table + ":" + key);
      if (record == null) {
        return Status.NOT_FOUND;
      }
      RecordCodec.select(record, fields, result);
      return Status.OK;
    } catch (RuntimeException e) {
      return status(e);
    }
  }

  @Override
  public Status scan(String table, String startkey, int recordcount, Set<String> fields, Vector<HashMap<String, ByteIterator>> result) {
    return Status.NOT_IMPLEMENTED;
  }

  @Override
  public Status update(String table, String key, Map<String, ByteIterator> values) {
    if (cas) {
      return casUpdate(table + ":" + key, values);
    }
    try {
      String k = table + ":" + key;
      Map<String, ByteIterator> all = values;
      if (values.size() < fieldCount) {
        Map<String, String> old = fetch(k);
        if (old == null) {
          return Status.NOT_FOUND;
        }
        all = new HashMap<>();
        for (Map.Entry<String, String> e : old.entrySet()) {
          all.put(e.getKey(), new site.ycsb.StringByteIterator(e.getValue()));
        }
        all.putAll(values);
      }
      return put(k, all);
    } catch (RuntimeException e) {
      return status(e);
    }
  }

  /** Read at SERIAL, merge, CAS on the version read; again when another update won in between. */
  private Status casUpdate(String key, Map<String, ByteIterator> values) {
    try {
      for (int i = 0; i < CAS_TRIES; i++) {
        Kv.GetResponse now = call(() -> stub.get(Kv.GetRequest.newBuilder().setKey(key).setConsistency(Kv.Consistency.SERIAL).build()));
        if (!now.getFound()) {
          return Status.NOT_FOUND;
        }
        Map<String, ByteIterator> all = new HashMap<>();
        RecordCodec.decode(now.getValue()).forEach((f, v) -> all.put(f, new site.ycsb.StringByteIterator(v)));
        all.putAll(values);
        Kv.CasRequest req = Kv.CasRequest.newBuilder().setKey(key).setExpectModifiedAt(now.getModifiedAt())
            .setValue(RecordCodec.encode(all)).build();
        if (call(() -> stub.compareAndSet(req)).getApplied()) {
          return Status.OK;
        }
      }
      return new Status("CONTENDED", "another update won " + CAS_TRIES + " times in a row");
    } catch (RuntimeException e) {
      return status(e);
    }
  }

  @Override
  public Status insert(String table, String key, Map<String, ByteIterator> values) {
    try {
      return put(table + ":" + key, values);
    } catch (RuntimeException e) {
      return status(e);
    }
  }

  private Status put(String key, Map<String, ByteIterator> values) {
    Kv.PutRequest req = Kv.PutRequest.newBuilder().setKey(key).setValue(RecordCodec.encode(values)).setConsistency(consistency)
        .setTimestampUs(STAMPS.next()).build();
    Kv.PutResponse r = call(() -> stub.put(req));
    return r.getOk() ? Status.OK : new Status("NOT_OK", r.getMessage());
  }

  @Override
  public Status delete(String table, String key) {
    try {
      Kv.DeleteRequest req = Kv.DeleteRequest.newBuilder().setKey(table + ":" + key).setConsistency(consistency)
          .setTimestampUs(STAMPS.next()).build();
      call(() -> stub.delete(req));
      return Status.OK;
    } catch (RuntimeException e) {
      return status(e);
    }
  }
}
