package kvstore.ops;

import io.vertx.core.json.JsonObject;
import kvstore.config.NodeConfig;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No Docker engine runs here, so this checks what can be checked without one: the compose file
 * parses, and each service's environment (over the Dockerfile's ENV defaults) is a valid node config
 * with the cluster shape the README promises.
 */
class DockerConfigTest {
  /** NAME=value or NAME="value with spaces", as Docker's ENV takes them. */
  private static final Pattern ENV_PAIR = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)");

  private static Map<String, String> dockerfileEnv() throws Exception {
    Map<String, String> env = new HashMap<>();
    String text = Files.readString(Path.of("docker/Dockerfile")).replace("\\\n", " ");
    for (String line : text.lines().toList()) {
      if (line.startsWith("ENV ")) {
        Matcher kv = ENV_PAIR.matcher(line.substring(4));
        while (kv.find()) {
          env.put(kv.group(1), kv.group(2).replace("\"", ""));
        }
      }
    }
    return env;
  }

  @Test
  void jvmFlagsSuitTheRuntimeImage() throws Exception {
    String dockerfile = Files.readString(Path.of("docker/Dockerfile"));
    Matcher from = Pattern.compile("(?m)^FROM eclipse-temurin:(\\d+)-jre").matcher(dockerfile);
    assertTrue(from.find(), "runtime stage is a Temurin JRE");
    int major = Integer.parseInt(from.group(1));
    // a JVM older than 23 refuses to start on an option it does not know, and this one is 23's
    if (dockerfileEnv().getOrDefault("JAVA_TOOL_OPTIONS", "").contains("--sun-misc-unsafe-memory-access")) {
      assertTrue(major >= 23, "--sun-misc-unsafe-memory-access needs Java 23+, the image runs " + major);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void composeServicesMapToValidNodeConfigs() throws Exception {
    Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker/docker-compose.yml")));
    Map<String, Object> services = (Map<String, Object>) compose.get("services");
    assertEquals(List.of("certs", "node1", "node2", "node3"), List.copyOf(services.keySet()));
    Map<String, Object> certs = (Map<String, Object>) services.remove("certs");
    List<String> command = (List<String>) certs.get("command");
    assertEquals("certs", command.get(0), "the init service runs `node.jar certs`");
    for (String node : List.of("node1", "node2", "node3")) {
      assertTrue(command.contains(node), "the init service issues a certificate for " + node);
    }
    Map<String, String> defaults = dockerfileEnv();
    assertEquals("/var/lib/kvstore", defaults.get("KV_DATA_DIR"));
    for (var e : services.entrySet()) {
      Map<String, Object> svc = (Map<String, Object>) e.getValue();
      Map<String, String> env = new HashMap<>(defaults);
      ((Map<String, Object>) svc.get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
      // the image starts `java -jar node.jar` without -conf: the environment is the whole config
      NodeConfig c = NodeConfig.parse(new JsonObject(), env);
      assertEquals(e.getKey(), c.nodeId());
      assertEquals(e.getKey(), c.host(), "advertised host is the service name peers resolve");
      assertEquals(3, c.replicationFactor());
      assertEquals(List.of("node1:7001", "node2:7001", "node3:7001"), c.seeds());
      assertTrue(!c.insecure(), "the compose cluster is secure");
      assertEquals("/etc/kvstore/certs/" + e.getKey() + ".pem", c.tlsCertFile());
      assertEquals("/etc/kvstore/certs/ca.pem", c.tlsCaFile());
      assertEquals(7001, c.peerPort());
      assertTrue(((Map<String, Object>) ((Map<String, Object>) svc.get("depends_on")).get("certs")).get("condition")
          .equals("service_completed_successfully"), "nodes start after their certificates exist");
      assertEquals(50051, c.grpcPort());
      assertEquals(8001, c.httpPort());
      List<String> ports = (List<String>) svc.get("ports");
      assertTrue(ports.stream().anyMatch(p -> p.endsWith(":50051")) && ports.stream().anyMatch(p -> p.endsWith(":8001")), ports.toString());
      assertTrue(((List<String>) svc.get("volumes")).get(0).endsWith(":/var/lib/kvstore"));
    }
  }
}
