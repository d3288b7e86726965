package kvstore.ycsb;

import kvstore.testing.InProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import site.ycsb.ByteIterator;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The YCSB binding against three nodes in one JVM: each DB call as the YCSB client makes it. */
class KvStoreClientTest {
  @TempDir
  Path dir;

  private static Map<String, ByteIterator> fields(String... kv) {
    Map<String, ByteIterator> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], new StringByteIterator(kv[i + 1]));
    }
    return m;
  }

  /** Sets the field to 1, 2, ... 10 one update after the other; the first status that is not OK, else OK. */
  private static Status updates(KvStoreClient db, String field) {
    for (int i = 1; i <= 10; i++) {
      Status s = db.update("usertable", "user3", fields(field, String.valueOf(i)));
      if (s != Status.OK) {
        return s;
      }
    }
    return Status.OK;
  }

  private static KvStoreClient casClient(String target) throws Exception {
    KvStoreClient db = new KvStoreClient();
    Properties p = new Properties();
    p.setProperty("kvstore.targets", target);
    p.setProperty("kvstore.cas", "true");
    p.setProperty("fieldcount", "3");
    db.setProperties(p);
    db.init();
    return db;
  }

  @Test
  void readInsertUpdateDeleteAndTheStatusOfEachFailure() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      KvStoreClient db = new KvStoreClient();
      Properties p = new Properties();
      p.setProperty("kvstore.targets", c.client(0).address() + "," + c.client(1).address());
      p.setProperty("kvstore.consistency", "QUORUM");
      p.setProperty("fieldcount", "3");
      db.setProperties(p);
      db.init();
      try {
        assertEquals(Status.OK, db.insert("usertable", "user1", fields("field0", "a", "field1", "b", "field2", "c")));
        Map<String, ByteIterator> read = new HashMap<>();
        assertEquals(Status.OK, db.read("usertable", "user1", null, read));
        assertEquals("a", read.get("field0").toString());
        assertEquals(3, read.size());
        // an update of one field keeps the others (read, merged, written)
        assertEquals(Status.OK, db.update("usertable", "user1", fields("field1", "B")));
        Map<String, ByteIterator> some = new HashMap<>();
        assertEquals(Status.OK, db.read("usertable", "user1", Set.of("field1", "field2"), some));
        assertEquals(Map.of("field1", "B", "field2", "c"), Map.of("field1", some.get("field1").toString(), "field2", some.get("field2").toString()));
        assertEquals(Status.OK, db.delete("usertable", "user1"));
        assertEquals(Status.NOT_FOUND, db.read("usertable", "user1", null, new HashMap<>()));
        assertEquals(Status.NOT_FOUND, db.update("usertable", "user1", fields("field1", "x")));
        assertEquals(Status.BAD_REQUEST, db.insert("usertable", "k".repeat(2000), fields("field0", "a")), "key over maxKeyBytes");
        assertEquals(Status.NOT_IMPLEMENTED, db.scan("usertable", "user1", 10, null, new java.util.Vector<>()));
        c.stop(1);
        c.stop(2);
        assertEquals(Status.SERVICE_UNAVAILABLE, db.insert("usertable", "user2", fields("field0", "a")), "no quorum: UNAVAILABLE");
      } finally {
        db.cleanup();
      }
      // a thread whose target cannot answer at its consistency fails in init, before YCSB starts its schedule
      KvStoreClient late = new KvStoreClient();
      Properties one = new Properties();
      one.setProperty("kvstore.targets", c.client(0).address());
      one.setProperty("kvstore.timeoutms", "2000");
      late.setProperties(one);
      site.ycsb.DBException refused = org.junit.jupiter.api.Assertions.assertThrows(site.ycsb.DBException.class, late::init);
      assertEquals("cannot read through " + c.client(0).address() + ": gRPC status UNAVAILABLE", refused.getMessage());
    }
  }

  /** kvstore.cas: two clients updating different fields of one record at once both keep their updates. */
  @Test
  void casUpdatesOfDifferentFieldsAtOnceLoseNothing() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      KvStoreClient a = casClient(c.client(0).address());
      KvStoreClient b = casClient(c.client(1).address());
      try {
        assertEquals(Status.OK, a.insert("usertable", "user3", fields("field0", "0", "field1", "0", "field2", "0")));
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        // each client updates its own field ten times in order (one YCSB thread each), both at once
        java.util.List<java.util.concurrent.Future<Status>> done = new java.util.ArrayList<>();
        done.add(two.submit(() -> updates(a, "field0")));
        done.add(two.submit(() -> updates(b, "field1")));
        for (java.util.concurrent.Future<Status> f : done) {
          assertEquals(Status.OK, f.get(60, java.util.concurrent.TimeUnit.SECONDS));
        }
        two.shutdown();
        // read at SERIAL: the last commit may still be on its way to the rows a QUORUM read sees
        Map<String, String> after = RecordCodec.decode(c.client(2).get("usertable:user3", kv.Kv.Consistency.SERIAL).getValue());
        assertEquals("10", after.get("field0"), "a's last update is kept");
        assertEquals("10", after.get("field1"), "and b's, though each rewrote the whole record");
        assertEquals(Status.NOT_FOUND, a.update("usertable", "nobody", fields("field0", "x")));
      } finally {
        a.cleanup();
        b.cleanup();
      }
    }
  }
}
