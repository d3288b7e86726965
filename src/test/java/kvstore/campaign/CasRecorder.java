package kvstore.campaign;

import kv.Kv;
import kvstore.testing.KvClient;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Compare-and-set clients beside the campaign's plain ones: each reads one counter at SERIAL
 * through a random node and sets it one up by CAS, recording both with their times
 * ({@link CasChecker.CasOp}); a CAS without an answer is indeterminate (UNKNOWN), one refused
 * before any replica saw it ("nothing was written") is left out, as it changed nothing.
 */
public final class CasRecorder {
  public static final String KEY = "cas-counter";

  private final List<KvClient> clients;
  private final long t0;
  private final Random seeds;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<CasChecker.CasOp> ops = Collections.synchronizedList(new ArrayList<>());
  /** The node (index) each operation of {@link #ops} went through, at the same position. */
  private final List<Integer> vias = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();

  public CasRecorder(List<KvClient> clients, long seed, long t0) {
    this.clients = clients;
    this.seeds = new Random(seed ^ 0x5eedCA5L);
    this.t0 = t0;
  }

  /** Creates the counter at "0" (through node1, before any fault), then starts {@code workers}. */
  public CasRecorder start(int workers) {
    Kv.CasResponse created = clients.get(0).cas(Kv.CasRequest.newBuilder().setKey(KEY).setExpectAbsent(true).setValue("0").build());
    if (!created.getApplied()) {
      throw new IllegalStateException(KEY + " exists before the campaign: " + created);
    }
    for (int w = 0; w < workers; w++) {
      int process = 100 + w;
      Random r = new Random(seeds.nextLong());
      threads.add(new Thread(() -> work(process, r), "campaign-cas-" + w));
    }
    threads.forEach(Thread::start);
    return this;
  }

  private void work(int process, Random r) {
    while (running.get()) {
      int via = r.nextInt(clients.size());
      KvClient client = clients.get(via);
      long readAt = System.nanoTime() - t0;
      Kv.GetResponse now;
      try {
        now = client.stub().get(Kv.GetRequest.newBuilder().setKey(KEY).setConsistency(Kv.Consistency.SERIAL).build())
            .timeout(CALL_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS).await();
      } catch (Exception e) {
        rest();
        continue; // a read that failed changed nothing
      }
      record(CasChecker.CasOp.read(process, now.getFound() ? now.getValue() : null, readAt, System.nanoTime() - t0), via);
      if (!now.getFound()) {
        continue;
      }
      String next = String.valueOf(Long.parseLong(now.getValue()) + 1);
      long casAt = System.nanoTime() - t0;
      Object answer = client.casOrFailure(Kv.CasRequest.newBuilder().setKey(KEY).setExpectValue(now.getValue()).setValue(next).build());
      long done = System.nanoTime() - t0;
      if (answer instanceof Kv.CasResponse a) {
        record(CasChecker.CasOp.cas(process, now.getValue(), next, a.getApplied() ? CasChecker.Outcome.APPLIED
            : CasChecker.Outcome.NOT_APPLIED, a.getFound() ? a.getValue() : null, casAt, done), via);
      } else if (!String.valueOf(answer).contains("nothing was written")) {
        record(CasChecker.CasOp.cas(process, now.getValue(), next, CasChecker.Outcome.UNKNOWN, null, casAt, done), via);
        rest();
      }
    }
  }

  private static final long CALL_TIMEOUT_MS = 6000;

  private void record(CasChecker.CasOp op, int via) {
    synchronized (ops) {
      ops.add(op);
      vias.add(via);
    }
  }

  /** The operations in invocation order, each with the node it went through (for cas.txt). */
  public List<String> described() {
    synchronized (ops) {
      return java.util.stream.IntStream.range(0, vias.size()).boxed()
          .sorted(java.util.Comparator.comparingLong(i -> ops.get(i).invokeNs()))
          .map(i -> ops.get(i) + " via node" + (vias.get(i) + 1)).toList();
    }
  }

  private static void rest() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the workers, reads the counter once more at SERIAL through node {@code via}, and answers the history. */
  public List<CasChecker.CasOp> stop(int via) throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(30_000);
    }
    long at = System.nanoTime() - t0;
    Kv.GetResponse end = clients.get(via).get(KEY, Kv.Consistency.SERIAL);
    record(CasChecker.CasOp.read(-1, end.getFound() ? end.getValue() : null, at, System.nanoTime() - t0), via);
    synchronized (ops) {
      return new ArrayList<>(ops);
    }
  }

  /**
   * The history's verdict (null: linearizable), searched on a thread with a large stack: the
   * search goes one call deeper per operation placed.
   */
  public static String check(List<CasChecker.CasOp> history) throws InterruptedException {
    String[] verdict = new String[1];
    Thread t = new Thread(null, () -> {
      try {
        verdict[0] = CasChecker.check(history, "0");
      } catch (Throwable e) {
        verdict[0] = "the checker could not decide: " + e;
      }
    }, "cas-checker", 1L << 30);
    t.start();
    t.join();
    return verdict[0];
  }
}
