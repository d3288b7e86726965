package kvstore.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar node.jar cluster}: starts config/node1.json..node3.json as three child processes
 * of this jar, logs to logs/nodeN.log, and stops them all on Ctrl-C or when one of them dies.
 */
final class LocalCluster {
  private LocalCluster() {
  }

  static int run(String[] args) {
    List<String> configs = new ArrayList<>();
    boolean debug = false;
    for (String a : args) {
      if (a.equals("--debug")) {
        debug = true;
      } else if (a.equals("-h") || a.equals("--help")) {
        System.out.println("usage: java -jar node.jar cluster [--debug] [CONFIG.json ...]   (default: config/node1.json config/node2.json config/node3.json)");
        return 0;
      } else {
        configs.add(a);
      }
    }
    if (configs.isEmpty()) {
      configs = List.of("config/node1.json", "config/node2.json", "config/node3.json");
    }
    String jar;
    try {
      jar = new File(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
      Files.createDirectories(Path.of("logs"));
    } catch (Exception e) {
      System.err.println("cannot prepare the cluster: " + e);
      return 1;
    }
    try {
      ensureCertificates(configs);
    } catch (IOException | RuntimeException e) {
      System.err.println("cannot prepare the cluster's certificates: " + e.getMessage());
      return 1;
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> nodes = new ArrayList<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAll(nodes), "cluster-stop"));
    for (String conf : configs) {
      if (!Files.isRegularFile(Path.of(conf))) {
        System.err.println("config file '" + conf + "' does not exist (run from the repository root)");
        stopAll(nodes);
        return 2;
      }
      String name = Path.of(conf).getFileName().toString().replaceFirst("\\.json$", "");
      File logFile = Path.of("logs", name + ".log").toFile();
      ProcessBuilder pb = new ProcessBuilder(nodeCommand(java, Runtime.version().feature(), jar, conf))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile));
      if (debug) {
        pb.environment().put("DEBUG_LOG", "true");
      }
      try {
        nodes.add(pb.start());
      } catch (IOException e) {
        System.err.println("cannot start " + conf + ": " + e);
        stopAll(nodes);
        return 1;
      }
      System.out.println("started " + conf + " (pid " + nodes.get(nodes.size() - 1).pid() + "), log: " + logFile);
    }
    System.out.println("cluster running; Ctrl-C stops all nodes");
    while (true) {
      for (int i = 0; i < nodes.size(); i++) {
        Process p = nodes.get(i);
        if (!p.isAlive()) {
          System.err.println(configs.get(i) + " exited with code " + p.exitValue() + "; see its log. Stopping the cluster.");
          stopAll(nodes);
          return 1;
        }
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return 0;
      }
    }
  }

  /**
   * Secure by default: the first run creates the cluster CA and each node's certificate where the
   * configs name them (NAME.pem and NAME-key.pem beside the CA, NAME the node id), plus a client
   * certificate {@code kvctl} for operators. Later runs keep them.
   */
  static void ensureCertificates(List<String> configs) throws IOException {
    for (String conf : configs) {
      if (!Files.isRegularFile(Path.of(conf))) {
        continue; // reported by the caller
      }
      io.vertx.core.json.JsonObject c = new io.vertx.core.json.JsonObject(Files.readString(Path.of(conf)));
      if (c.getBoolean("insecure", false) || c.getString("tlsCaFile") == null) {
        continue;
      }
      Path caFile = Path.of(c.getString("tlsCaFile"));
      Path dir = caFile.toAbsolutePath().getParent();
      String id = c.getString("nodeId");
      boolean created = !Files.exists(caFile);
      kvstore.security.CertificateAuthority ca = kvstore.security.CertificateAuthority.openOrCreate(dir, "kvstore-local");
      if (created) {
        System.out.println("created the cluster CA " + caFile + " (keep " + dir.resolve(kvstore.security.CertificateAuthority.CA_KEY) + " secret)");
      }
      if (!ca.certFile(id).equals(Path.of(c.getString("tlsCertFile", "")).toAbsolutePath())
          || !ca.keyFile(id).equals(Path.of(c.getString("tlsKeyFile", "")).toAbsolutePath())) {
        continue; // certificates named otherwise are the operator's to provide
      }
      if (ca.issue(id, List.of(c.getString("host", "127.0.0.1"), "localhost", "127.0.0.1"))) {
        System.out.println("issued " + ca.certFile(id) + " for " + id);
      }
      if (ca.issue("kvctl", List.of(), kvstore.security.CertificateAuthority.Role.OPERATOR)) {
        System.out.println("issued " + ca.certFile("kvctl") + " for kvctl (--tls-dir " + dir + ")");
      }
    }
  }

  /** The java command line of one node, on the same JVM as this launcher. */
  static List<String> nodeCommand(String java, int javaFeature, String jar, String conf) {
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m"));
    cmd.addAll(JvmFlags.forJava(javaFeature));
    cmd.addAll(List.of("-jar", jar, "-conf", conf));
    return cmd;
  }

  private static synchronized void stopAll(List<Process> nodes) {
    for (Process p : nodes) {
      p.destroy();
    }
    for (Process p : nodes) {
      try {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    }
  }
}
