package kvstore.cluster;

import io.vertx.grpc.common.GrpcStatus;
import kv.Kv;
import kvstore.testing.InProcessCluster;
import kvstore.testing.KvClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CompareAndSet and SERIAL reads through gRPC on three nodes in one JVM, on real ports. */
class CompareAndSetTest {
  @TempDir
  Path dir;

  private static Kv.CasRequest.Builder cas(String key, String value) {
    return Kv.CasRequest.newBuilder().setKey(key).setValue(value);
  }

  @Test
  void aClaimThroughEveryNodeAppliesOnceAndTheOthersSeeItsOwner() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> cfg.put("casCommitWait", true)).start()) {
      Kv.CasResponse first = c.client(0).cas(cas("user:ada", "node1").setExpectAbsent(true).build());
      assertTrue(first.getApplied());
      assertTrue(first.getModifiedAt() > 0, "an applied CAS answers the version it wrote");
      for (int i = 1; i < 3; i++) {
        Kv.CasResponse r = c.client(i).cas(cas("user:ada", "node" + (i + 1)).setExpectAbsent(true).build());
        assertFalse(r.getApplied());
        assertTrue(r.getFound());
        assertEquals("node1", r.getValue(), "the refusal carries the current value");
        assertEquals(first.getModifiedAt(), r.getModifiedAt());
        assertTrue(r.getMessage().contains("condition not met"), r.getMessage());
      }
      for (int i = 0; i < 3; i++) {
        assertEquals("node1", c.client(i).get("user:ada", Kv.Consistency.QUORUM).getValue(), "with casCommitWait, a plain QUORUM read after the answer sees it");
        assertEquals("node1", c.client(i).get("user:ada", Kv.Consistency.SERIAL).getValue());
      }
    }
  }

  @Test
  void versionsAndValuesAsConditionsDeletesAndTtl() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      KvClient a = c.client(0);
      assertTrue(a.put("doc", "v1", Kv.Consistency.QUORUM).getOk());
      long v1 = a.get("doc", Kv.Consistency.SERIAL).getModifiedAt();
      Kv.CasResponse v2 = c.client(1).cas(cas("doc", "v2").setExpectModifiedAt(v1).build());
      assertTrue(v2.getApplied(), "a plain QUORUM write acknowledged before the CAS is what it compares with");
      assertTrue(v2.getModifiedAt() > v1);
      Kv.CasResponse stale = c.client(2).cas(cas("doc", "lost update").setExpectModifiedAt(v1).build());
      assertFalse(stale.getApplied(), "optimistic concurrency: the version moved on");
      assertEquals("v2", stale.getValue());

      assertFalse(a.cas(cas("doc", "x").setExpectValue("v1").build()).getApplied());
      assertTrue(a.cas(cas("doc", "v3").setExpectValue("v2").build()).getApplied());
      assertTrue(a.cas(Kv.CasRequest.newBuilder().setKey("doc").setExpectValue("v3").setDelete(true).build()).getApplied());
      assertFalse(a.get("doc", Kv.Consistency.SERIAL).getFound(), "a CAS delete is a tombstone like Delete's");
      kvstore.testing.Await.until("the delete's commit to reach the rows", java.time.Duration.ofSeconds(5),
          () -> !a.get("doc", Kv.Consistency.ALL).getFound());
      assertTrue(a.cas(cas("doc", "again").setExpectAbsent(true).build()).getApplied(), "a deleted key is absent");

      assertTrue(a.cas(cas("lease", "holder1").setExpectAbsent(true).setTtlMs(300).build()).getApplied());
      assertFalse(a.cas(cas("lease", "holder2").setExpectAbsent(true).build()).getApplied(), "the lease is held");
      kvstore.testing.Await.until("the lease to expire", java.time.Duration.ofSeconds(5),
          () -> !a.get("lease", Kv.Consistency.SERIAL).getFound());
      assertTrue(c.client(2).cas(cas("lease", "holder2").setExpectAbsent(true).build()).getApplied(), "an expired value is absent");

      Kv.MultiGetResponse m = c.client(1).multiGet(List.of("doc", "lease", "none"), Kv.Consistency.SERIAL);
      assertEquals("again", m.getResults(0).getValue());
      assertEquals("holder2", m.getResults(1).getValue());
      assertFalse(m.getResults(2).getFound());
    }
  }

  @Test
  void badRequestsAreRefusedNamingTheProblem() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      KvClient a = c.client(0);
      String both = a.statusMessage(kv.KeyValueGrpcClient.CompareAndSet, cas("k", "v").setExpectAbsent(true).setExpectModifiedAt(5).build());
      assertTrue(both.contains("exactly one condition"), both);
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> a.cas(cas("k", "v").setExpectValue("a").setExpectModifiedAt(5).build())));
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> a.cas(cas("k", "v").setDelete(true).build())));
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> a.cas(cas("", "v").setExpectAbsent(true).build())));
      String serialPut = a.putStatusMessage(Kv.PutRequest.newBuilder().setKey("k").setValue("v").setConsistency(Kv.Consistency.SERIAL).build());
      assertTrue(serialPut.contains("SERIAL applies to reads"), serialPut);
    }
  }

  /**
   * Six clients, two per node, each adding one to a counter by a SERIAL read and a CAS on the value
   * it read, 15 times; node3 is stopped half-way and restarted. The counter ends at exactly the
   * number of applied increments plus at most the indeterminate ones, and no two applied CASes
   * started from the same value.
   */
  @Test
  void aCounterIncrementedFromEveryNodeCountsEveryAppliedIncrementOnce() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      assertTrue(c.client(0).cas(cas("counter", "0").setExpectAbsent(true).build()).getApplied());
      AtomicInteger applied = new AtomicInteger();
      AtomicInteger unknown = new AtomicInteger();
      ConcurrentHashMap<String, Integer> from = new ConcurrentHashMap<>();
      ExecutorService pool = Executors.newFixedThreadPool(6);
      List<Future<?>> workers = new ArrayList<>();
      ConcurrentHashMap<String, AtomicInteger> errors = new ConcurrentHashMap<>();
      for (int w = 0; w < 6; w++) {
        int worker = w;
        // node3 goes away half-way: its clients would only see it refuse
        KvClient client = c.client(w % 2);
        workers.add(pool.submit(() -> {
          int done = 0;
          while (done < 15) {
            Kv.GetResponse now;
            try {
              now = client.get("counter", Kv.Consistency.SERIAL);
            } catch (io.vertx.grpc.client.InvalidStatusException e) {
              errors.computeIfAbsent("read: " + e.actualStatus(), k -> new AtomicInteger()).incrementAndGet();
              continue;
            }
            Object answer = client.casOrFailure(
                cas("counter", String.valueOf(Integer.parseInt(now.getValue()) + 1)).setExpectValue(now.getValue()).build());
            if (!(answer instanceof Kv.CasResponse r)) {
              String failure = String.valueOf(answer);
              errors.computeIfAbsent(failure.replaceAll("[0-9]+", "N"), k -> new AtomicInteger()).incrementAndGet();
              if (!failure.contains("nothing was written")) {
                unknown.incrementAndGet();
                done++;
              }
              continue;
            }
            if (r.getApplied()) {
              applied.incrementAndGet();
              Integer twice = from.put(now.getValue(), worker);
              assertEquals(null, twice, "two applied CASes started from " + now.getValue());
              done++;
            }
          }
          return null;
        }));
      }
      Thread.sleep(1500);
      c.stop(2);
      Thread.sleep(1500);
      c.start(2);
      for (Future<?> f : workers) {
        f.get(120, TimeUnit.SECONDS);
      }
      pool.shutdown();
      int end = Integer.parseInt(c.client(2).get("counter", Kv.Consistency.SERIAL).getValue());
      assertTrue(end >= applied.get() && end <= applied.get() + unknown.get(),
          "counter " + end + " after " + applied.get() + " applied and " + unknown.get() + " failed increments");
      assertTrue(applied.get() >= 60, applied.get() + " of 90 increments applied; failures: " + errors);
    }
  }
}
