package kvstore.e2e;

import kv.Kv;
import kvstore.campaign.CasChecker;
import kvstore.testing.KvClient;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compare-and-set on three real node processes while node3 is killed (kill -9) and restarted and
 * node2 is paused (SIGSTOP) past the clients' deadlines: a counter incremented by six clients
 * through all three nodes (a SERIAL read, then a CAS on the value read) and a lock taken and
 * released by three more. Every operation is recorded with its invocation and completion; the
 * counter's history is checked for linearizability as a CAS register ({@link CasChecker}), its
 * final value against the applied and indeterminate increments, and the lock's holds for overlap.
 */
class CompareAndSetIT {
  @TempDir
  Path dir;

  private static final int CLIENT_TIMEOUT_MS = 3000;

  @Test
  void aCounterAndALockStayLinearizableThroughAKillAndAPause() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      c.awaitUp(3);
      KvClient setup = c.client(0);
      assertTrue(setup.cas(Kv.CasRequest.newBuilder().setKey("counter").setValue("0").setExpectAbsent(true).build()).getApplied());
      AtomicBoolean stop = new AtomicBoolean();
      List<CasChecker.CasOp> history = Collections.synchronizedList(new ArrayList<>());
      List<long[]> holds = Collections.synchronizedList(new ArrayList<>());
      Map<Integer, String> lastFailure = new java.util.concurrent.ConcurrentHashMap<>();
      ExecutorService pool = Executors.newFixedThreadPool(9);
      List<Future<?>> workers = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int w = 0; w < 6; w++) {
        int worker = w;
        KvClient client = new KvClient(c.clientVertxForTools(), "127.0.0.1", c.config(w % 3).getInteger("grpcPort"), CLIENT_TIMEOUT_MS);
        workers.add(pool.submit(() -> increments(worker, client, stop, history, t0)));
      }
      for (int w = 0; w < 3; w++) {
        int worker = 10 + w;
        KvClient client = new KvClient(c.clientVertxForTools(), "127.0.0.1", c.config(w).getInteger("grpcPort"), CLIENT_TIMEOUT_MS);
        workers.add(pool.submit(() -> lockAndRelease(worker, client, stop, holds, lastFailure)));
      }
      Thread.sleep(4_000);
      c.kill(2);
      System.out.println("[CAS-IT] node3 killed");
      Thread.sleep(4_000);
      c.start(2);
      c.awaitUp(3);
      System.out.println("[CAS-IT] node3 back");
      Thread.sleep(2_000);
      c.pause(1);
      System.out.println("[CAS-IT] node2 paused");
      Thread.sleep(5_000);
      c.resume(1);
      System.out.println("[CAS-IT] node2 resumed");
      Thread.sleep(4_000);
      stop.set(true);
      for (Future<?> f : workers) {
        try {
          f.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          StringBuilder logs = new StringBuilder();
          for (int i = 0; i < 3; i++) {
            List<String> lines = c.log(i).lines().toList();
            logs.append("\n--- node").append(i + 1).append(" ---\n").append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
          }
          throw new AssertionError("a client worker did not stop within 60 s of the end; each lock worker's last failed call: " + lastFailure + logs);
        }
      }
      pool.shutdown();

      long invoke = System.nanoTime() - t0;
      Kv.GetResponse end = setup.get("counter", Kv.Consistency.SERIAL);
      history.add(CasChecker.CasOp.read(99, end.getValue(), invoke, System.nanoTime() - t0));
      int n = Integer.parseInt(end.getValue());
      long applied = history.stream().filter(o -> o.outcome() == CasChecker.Outcome.APPLIED).count();
      long unknown = history.stream().filter(o -> o.outcome() == CasChecker.Outcome.UNKNOWN).count();
      long refused = history.stream().filter(o -> o.outcome() == CasChecker.Outcome.NOT_APPLIED).count();
      System.out.println("[CAS-IT] counter " + n + ": " + applied + " applied, " + refused + " not applied, " + unknown
          + " indeterminate CASes; " + holds.size() + " lock holds");
      assertTrue(n >= applied && n <= applied + unknown, "counter " + n + " after " + applied + " applied and " + unknown + " indeterminate");
      Map<String, CasChecker.CasOp> from = new HashMap<>();
      for (CasChecker.CasOp o : history) {
        if (o.outcome() == CasChecker.Outcome.APPLIED) {
          CasChecker.CasOp twice = from.put(o.expect(), o);
          assertNull(twice, "two applied CASes started from " + o.expect() + ": " + twice + " and " + o);
        }
      }
      assertTrue(applied >= 30, applied + " increments applied: the cluster kept making progress");
      assertNull(CasChecker.check(history, "0"));

      List<long[]> sorted = new ArrayList<>(holds);
      sorted.sort((a, b) -> Long.compare(a[0], b[0]));
      for (int i = 1; i < sorted.size(); i++) {
        assertTrue(sorted.get(i)[0] >= sorted.get(i - 1)[1], "two holders of the lock at once: " + java.util.Arrays.toString(sorted.get(i - 1))
            + " and " + java.util.Arrays.toString(sorted.get(i)));
      }
      assertTrue(sorted.size() >= 10, sorted.size() + " lock holds");
      assertEquals(3, c.membership(0).getJsonArray("nodes").size());
    }
  }

  /** Reads the counter at SERIAL and sets it one up by CAS, recording both; an indeterminate CAS is recorded as UNKNOWN. */
  private static Void increments(int worker, KvClient client, AtomicBoolean stop, List<CasChecker.CasOp> history, long t0) {
    while (!stop.get()) {
      long readAt = System.nanoTime() - t0;
      Kv.GetResponse now;
      try {
        now = client.get("counter", Kv.Consistency.SERIAL);
      } catch (Exception e) {
        pause();
        continue; // a failed read changed nothing
      }
      history.add(CasChecker.CasOp.read(worker, now.getValue(), readAt, System.nanoTime() - t0));
      String next = String.valueOf(Integer.parseInt(now.getValue()) + 1);
      long casAt = System.nanoTime() - t0;
      Object answer = client.casOrFailure(Kv.CasRequest.newBuilder().setKey("counter").setExpectValue(now.getValue()).setValue(next).build());
      long done = System.nanoTime() - t0;
      if (answer instanceof Kv.CasResponse r) {
        history.add(CasChecker.CasOp.cas(worker, now.getValue(), next, r.getApplied() ? CasChecker.Outcome.APPLIED
            : CasChecker.Outcome.NOT_APPLIED, r.getFound() ? r.getValue() : null, casAt, done));
      } else if (!String.valueOf(answer).contains("nothing was written")) {
        history.add(CasChecker.CasOp.cas(worker, now.getValue(), next, CasChecker.Outcome.UNKNOWN, null, casAt, done));
        pause();
      }
    }
    return null;
  }

  /**
   * Takes the lock (CAS on absent, a lease of 5 s), holds it 20 ms, releases it (CAS delete on its
   * own value); a hold counts from when the client knows it holds the lock (the acquire's answer,
   * or a SERIAL read after an indeterminate acquire) to the release's invocation.
   */
  private static Void lockAndRelease(int worker, KvClient client, AtomicBoolean stop, List<long[]> holds, Map<Integer, String> lastFailure) {
    int n = 0;
    while (!stop.get()) {
      String me = "holder-" + worker + "-" + n++;
      Object got = client.casOrFailure(Kv.CasRequest.newBuilder().setKey("lock").setExpectAbsent(true).setValue(me).setTtlMs(5_000).build());
      if (!(got instanceof Kv.CasResponse)) {
        // indeterminate: a SERIAL read says whether this client holds the lock after all
        got = holder(client, stop);
        if (got == null || !got.equals(me)) {
          pause();
          continue;
        }
      } else if (!((Kv.CasResponse) got).getApplied()) {
        pause();
        continue;
      }
      long acquired = System.nanoTime();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
      long releasing = System.nanoTime();
      holds.add(new long[] {acquired, releasing});
      // released for sure before the next try: an indeterminate release is asked again
      while (true) {
        Object released = client.casOrFailure(Kv.CasRequest.newBuilder().setKey("lock").setExpectValue(me).setDelete(true).build());
        if (released instanceof Kv.CasResponse) {
          break;
        }
        lastFailure.put(worker, "release of " + me + ": " + released);
        pause();
      }
    }
    return null;
  }

  /** The lock's holder read at SERIAL (null: free), asked again until a read succeeds. */
  private static String holder(KvClient client, AtomicBoolean stop) {
    while (!stop.get()) {
      try {
        Kv.GetResponse r = client.get("lock", Kv.Consistency.SERIAL);
        return r.getFound() ? r.getValue() : null;
      } catch (Exception e) {
        pause();
      }
    }
    return null;
  }

  private static void pause() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
