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
}
