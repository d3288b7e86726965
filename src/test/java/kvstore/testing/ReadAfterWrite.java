package kvstore.testing;

import kv.Kv;
import kvstore.version.ClientClock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load that checks read-after-write at QUORUM under faults: writers write increasing versions of
 * their own keys through random nodes (client-stamped unless told otherwise), recording each
 * acknowledged version and when; readers read random keys at QUORUM through random nodes and note
 * every read that began after version n was acknowledged yet returned an older one. Seeded, so a
 * failing schedule can be replayed.
 */
public final class ReadAfterWrite {
  private final List<KvClient> clients;
  private final Random random;
  private final boolean stamped;
  private final AtomicBoolean running = new AtomicBoolean(true);
  /** Per key: the highest version acknowledged. */
  private final Map<String, Long> acked = new ConcurrentHashMap<>();
  private final List<String> stale = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong ackedWrites = new AtomicLong();
  private final AtomicLong reads = new AtomicLong();
  private final List<Thread> threads = new ArrayList<>();

  public ReadAfterWrite(List<KvClient> clients, long seed, boolean stamped) {
    this.clients = clients;
    this.random = new Random(seed);
    this.stamped = stamped;
  }

  /** Starts the writers and readers; failed calls are not recorded (they prove nothing either way). */
  public ReadAfterWrite start(int writers, int readers) {
    for (int w = 0; w < writers; w++) {
      int writer = w;
      long seed = random.nextLong();
      threads.add(new Thread(() -> write(writer, new Random(seed)), "writer-" + w));
    }
    for (int r = 0; r < readers; r++) {
      long seed = random.nextLong();
      threads.add(new Thread(() -> read(new Random(seed)), "reader-" + r));
    }
    threads.forEach(Thread::start);
    return this;
  }

  private void write(int writer, Random r) {
    ClientClock stamps = ClientClock.system();
    long version = 0;
    while (running.get()) {
      String key = "w" + writer + "-k" + r.nextInt(5);
      version++;
      try {
        if (clients.get(r.nextInt(clients.size())).put(Kv.PutRequest.newBuilder().setKey(key).setValue(Long.toString(version))
            .setConsistency(Kv.Consistency.QUORUM).setTimestampUs(stamped ? stamps.next() : 0).build()).getOk()) {
          acked.merge(key, version, Math::max);
          ackedWrites.incrementAndGet();
        }
      } catch (RuntimeException e) {
        // not acknowledged: it may take effect later, but must never rank above a later write
      }
    }
  }

  private void read(Random r) {
    while (running.get()) {
      List<String> keys = new ArrayList<>(acked.keySet());
      if (keys.isEmpty()) {
        Thread.onSpinWait();
        continue;
      }
      String key = keys.get(r.nextInt(keys.size()));
      long before = acked.get(key);
      try {
        Kv.GetResponse g = clients.get(r.nextInt(clients.size())).get(key, Kv.Consistency.QUORUM);
        reads.incrementAndGet();
        long seen = g.getFound() ? Long.parseLong(g.getValue()) : 0;
        if (seen < before) {
          stale.add(key + ": read " + seen + " after " + before + " was acknowledged");
        }
      } catch (RuntimeException e) {
        // a failed read says nothing
      }
    }
  }

  /** The seed's own random source, for the fault schedule that goes with the load. */
  public Random schedule() {
    return random;
  }

  public void stop() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(30_000);
    }
  }

  public long ackedWrites() {
    return ackedWrites.get();
  }

  public long reads() {
    return reads.get();
  }

  public List<String> stale() {
    return List.copyOf(stale);
  }

  public Map<String, Long> acked() {
    return Map.copyOf(acked);
  }
}
