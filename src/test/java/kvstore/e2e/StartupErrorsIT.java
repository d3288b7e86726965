package kvstore.e2e;

import io.vertx.core.json.JsonObject;
import kvstore.testing.Ports;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bad config ends the process at start, with one line naming the key or cause and a non-zero exit. */
class StartupErrorsIT {
  @TempDir
  Path dir;

  private JsonObject good() {
    return new JsonObject().put("nodeId", "n1").put("grpcPort", Ports.free()).put("httpPort", Ports.free()).put("peerPort", Ports.free()).put("insecure", true)
        .put("dataDir", dir.resolve("data").toString());
  }

  private String failStart(JsonObject conf, String expected) throws Exception {
    Path file = dir.resolve("bad-" + System.nanoTime() + ".json");
    Files.writeString(file, conf.encode());
    Path log = dir.resolve(file.getFileName() + ".log");
    Process p = ProcessCluster.launch(log, "-conf", file.toString());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "process must exit by itself");
    assertNotEquals(0, p.exitValue());
    List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
    assertEquals(1, lines.size(), "exactly one line: " + lines);
    assertTrue(lines.get(0).contains(expected), lines.get(0) + " should name " + expected);
    return lines.get(0);
  }

  /** Secure by default: without certificates a node starts only when its config says "insecure": true. */
  @Test
  void aNodeWithoutCertificatesOrInsecureRefusesToStart() throws Exception {
    JsonObject noCerts = good();
    noCerts.remove("insecure");
    String line = failStart(noCerts, "tlsCaFile, tlsCertFile and tlsKeyFile");
    assertTrue(line.contains("java -jar node.jar certs") && line.contains("\"insecure\": true"), line);
    JsonObject missingFiles = noCerts.copy().put("tlsCaFile", dir.resolve("ca.pem").toString())
        .put("tlsCertFile", dir.resolve("n1.pem").toString()).put("tlsKeyFile", dir.resolve("n1-key.pem").toString());
    failStart(missingFiles, "does not exist");
    failStart(good().put("insecure", "yes"), "insecure");
  }

  @Test
  void eachBadConfigNamesItsKeyOrCause() throws Exception {
    JsonObject missing = good();
    missing.remove("grpcPort");
    failStart(missing, "grpcPort");
    failStart(good().put("replicaFactor", 3), "replicaFactor");
    failStart(good().put("vnodes", "many"), "vnodes");
    failStart(good().put("replicationFactor", 0), "replicationFactor");
    failStart(good().put("dataDir", "/etc/hostname/data"), "dataDir");
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      failStart(good().put("grpcPort", taken.getLocalPort()), "grpcPort");
    }
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      failStart(good().put("peerPort", taken.getLocalPort()), "peerPort");
    }
    Path nowhere = dir.resolve("nope.json");
    Path log = dir.resolve("nope.log");
    Process p = ProcessCluster.launch(log, "-conf", nowhere.toString());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertNotEquals(0, p.exitValue());
    assertTrue(Files.readString(log).contains("does not exist"));
  }
}
