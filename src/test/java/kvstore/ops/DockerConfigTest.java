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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No Docker engine runs here, so this checks what can be checked without one: the compose file
 * parses, and each service's environment (over the Dockerfile's ENV defaults) is a valid node config
 * with the cluster shape the README promises.
 */
class DockerConfigTest {
  private static Map<String, String> dockerfileEnv() throws Exception {
    Map<String, String> env = new HashMap<>();
    String text = Files.readString(Path.of("docker/Dockerfile")).replace("\\\n", " ");
    for (String line : text.lines().toList()) {
      if (line.startsWith("ENV ")) {
        for (String kv : line.substring(4).trim().split("\\s+")) {
          String[] p = kv.split("=", 2);
          env.put(p[0], p[1].replace("\"", ""));
        }
      }
    }
    return env;
  }

  @Test
  @SuppressWarnings("unchecked")
  void composeServicesMapToValidNodeConfigs() throws Exception {
    Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker/docker-compose.yml")));
    Map<String, Object> services = (Map<String, Object>) compose.get("services");
    assertEquals(List.of("node1", "node2", "node3"), List.copyOf(services.keySet()));
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
      assertEquals(List.of("node1:8001", "node2:8001", "node3:8001"), c.seeds());
      assertEquals(50051, c.grpcPort());
      assertEquals(8001, c.gossipPort());
      List<String> ports = (List<String>) svc.get("ports");
      assertTrue(ports.stream().anyMatch(p -> p.endsWith(":50051")) && ports.stream().anyMatch(p -> p.endsWith(":8001")), ports.toString());
      assertTrue(((List<String>) svc.get("volumes")).get(0).endsWith(":/var/lib/kvstore"));
    }
  }
}
