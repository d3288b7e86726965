package kvstore.e2e;

import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The prototype's Node.js client (@grpc/grpc-js + proto-loader, loading proto/kv.proto, insecure
 * credentials) against real nodes of a secure cluster: the client port stays plaintext by default.
 */
class NodeClientIT {
  @TempDir
  Path dir;

  @Test
  void prototypeClientFlowWorksUnchanged() throws Exception {
    assertTrue(Files.isDirectory(Path.of("src/test/node/node_modules/@grpc/grpc-js")),
        "npm dependencies missing: `mvn verify` installs them with `npm ci` in src/test/node");
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> { }).secure(dir.resolve("certs")).start()) {
      Path out = dir.resolve("node-client.log");
      Process p = new ProcessBuilder("node", "src/test/node/client-flow.js", Path.of("proto/kv.proto").toAbsolutePath().toString(),
          c.grpcAddress(0), c.grpcAddress(1), c.grpcAddress(2), "http://" + c.host(0) + ":" + c.config(0).getInteger("httpPort"))
          .redirectErrorStream(true).redirectOutput(out.toFile()).start();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "node client must finish");
      String log = Files.readString(out);
      assertEquals(0, p.exitValue(), log);
      assertTrue(log.contains("ok: Get on node 3 returns what node 2 wrote"), log);
      assertTrue(log.contains("ok: the gateway counts 3 nodes"), log);
    }
  }
}
