package kvstore.e2e;

import kv.Kv;
import kvstore.testing.Await;
import kvstore.testing.KvctlRun;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kvctl export from a 3-node cluster (values with and without TTL, overwritten and deleted keys)
 * and kvctl import into a fresh 4-node cluster, on real processes: a damaged file refused with
 * nothing written, an interrupted import resumed, every live key read back with the same value,
 * modified_at and expires_at, deleted keys still deleted, a newer value in the target kept, and a
 * second import changing nothing.
 */
class ExportImportIT {
  private static final int KEYS = 300;
  @TempDir
  Path dir;

  private static KvctlRun kvctl(String... args) {
    return KvctlRun.of(180, args);
  }

  private record Seen(boolean found, String value, long modifiedAt, long expiresAt) {
    static Seen of(Kv.GetResponse r) {
      return r.getFound() ? new Seen(true, r.getValue(), r.getModifiedAt(), r.getExpiresAt()) : new Seen(false, "", 0, 0);
    }
  }

  private static Map<String, Seen> read(ProcessCluster c, List<String> keys) {
    Map<String, Seen> out = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      out.put(keys.get(i), Seen.of(c.client(i % c.size()).get(keys.get(i), Kv.Consistency.QUORUM)));
    }
    return out;
  }

  private static long importedRows(Path progress) {
    try {
      return Files.exists(progress) ? new io.vertx.core.json.JsonObject(Files.readString(progress)).getLong("rows") : 0;
    } catch (java.io.IOException | RuntimeException e) {
      return 0; // replaced while read
    }
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void anExportLoadsIntoAClusterOfAnotherShapeAsItWas() throws Exception {
    Path file = dir.resolve("cluster.kvexport");
    List<String> keys = new java.util.ArrayList<>();
    for (int i = 0; i < KEYS; i++) {
      keys.add("key" + i);
    }
    keys.add("brief");
    Map<String, Seen> source;
    Files.createDirectories(dir.resolve("a"));
    Files.createDirectories(dir.resolve("b"));
    try (ProcessCluster a = new ProcessCluster(dir.resolve("a"), 3, (i, cfg) -> { }).start()) {
      for (int i = 0; i < KEYS; i++) {
        Kv.PutRequest.Builder p = Kv.PutRequest.newBuilder().setKey("key" + i).setValue("v" + i).setConsistency(Kv.Consistency.QUORUM);
        if (i % 6 == 0) {
          p.setTtlMs(3_600_000);
        }
        assertTrue(a.client(i % 3).put(p.build()).getOk());
      }
      for (int i = 0; i < 50; i++) {
        assertTrue(a.client(i % 3).put("key" + i, "again" + i, Kv.Consistency.QUORUM).getOk());
      }
      for (int i = 250; i < KEYS; i++) {
        assertTrue(a.client(i % 3).delete("key" + i, Kv.Consistency.QUORUM).getOk());
      }
      assertTrue(a.client(0).put(Kv.PutRequest.newBuilder().setKey("brief").setValue("gone soon").setTtlMs(1500)
          .setConsistency(Kv.Consistency.QUORUM).build()).getOk());
      Await.until("the brief key expired", Duration.ofSeconds(10), () -> !a.client(0).get("brief", Kv.Consistency.QUORUM).getFound());
      source = read(a, keys);
      KvctlRun export = kvctl("export", "--file", file.toString(), "--node", a.grpcAddress(0));
      assertEquals(0, export.exit(), export.out());
      // 250 live keys and 50 tombstones; the expired one is left out
      assertTrue(export.out().contains("exported 300 rows"), export.out());
    }
    assertEquals(250, source.values().stream().filter(Seen::found).count());

    try (ProcessCluster b = new ProcessCluster(dir.resolve("b"), 4, (i, cfg) -> { }).start()) {
      // one byte changed: refused before anything is written
      Path damaged = dir.resolve("damaged.kvexport");
      byte[] bytes = Files.readAllBytes(file);
      bytes[bytes.length / 2] ^= 0x20;
      Files.write(damaged, bytes);
      KvctlRun refused = kvctl("import", "--file", damaged.toString(), "--node", b.grpcAddress(0));
      assertEquals(1, refused.exit(), refused.out());
      assertTrue(refused.out().contains("import refused") && refused.out().contains("damaged"), refused.out());
      assertTrue(read(b, keys).values().stream().noneMatch(Seen::found), "nothing written by a refused import");

      // a newer value in the target cluster stays
      assertTrue(b.client(1).put("key7", "newer in b", Kv.Consistency.QUORUM).getOk());

      // an import interrupted half-way resumes where it stopped
      Process slow = new ProcessBuilder(KvctlRun.command("kvctl", "import", "--file", file.toString(), "--node", b.grpcAddress(0),
          "--rows-per-sec", "100", "--batch-rows", "20")).redirectErrorStream(true).redirectOutput(dir.resolve("slow.out").toFile()).start();
      Path progress = dir.resolve("cluster.kvexport.import-progress");
      Await.until("the first batches imported", Duration.ofSeconds(60), () -> importedRows(progress) >= 60);
      slow.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      KvctlRun resumed = kvctl("import", "--file", file.toString(), "--node", b.grpcAddress(1));
      assertEquals(0, resumed.exit(), resumed.out());
      assertTrue(resumed.out().contains("resuming after row"), resumed.out());
      assertFalse(Files.exists(progress), "the progress file goes once the import is done");

      Map<String, Seen> target = read(b, keys);
      for (String k : keys) {
        Seen expected = k.equals("key7") ? target.get("key7") : source.get(k);
        assertEquals(expected, target.get(k), k);
      }
      assertEquals("newer in b", target.get("key7").value());
      assertTrue(target.get("key54").expiresAt() > 0, "a TTL keeps its expiry");

      KvctlRun twice = kvctl("import", "--file", file.toString(), "--node", b.grpcAddress(2));
      assertEquals(0, twice.exit(), twice.out());
      assertEquals(target, read(b, keys), "a second import changes nothing");
    }
  }
}
