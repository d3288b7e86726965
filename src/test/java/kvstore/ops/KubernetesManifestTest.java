package kvstore.ops;

import io.vertx.core.json.JsonObject;
import kvstore.config.NodeConfig;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No Kubernetes runs here, so this checks the manifests the way the API server and kubelet would
 * read them: they parse, names and selectors agree, and each pod's environment (with {@code $(VAR)}
 * expanded as the kubelet does, over the image's ENV) is a valid node config for that pod.
 */
@SuppressWarnings("unchecked")
class KubernetesManifestTest {
  private static final Pattern VAR = Pattern.compile("\\$\\((\\w+)\\)");

  private static Map<String, Map<String, Object>> byKind() throws Exception {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (Object doc : new Yaml().loadAll(Files.readString(Path.of("k8s/kvstore.yaml")))) {
      Map<String, Object> d = (Map<String, Object>) doc;
      String name = (String) ((Map<String, Object>) d.get("metadata")).get("name");
      out.put(d.get("kind") + "/" + name, d);
    }
    return out;
  }

  private static Map<String, Object> map(Object o, String... path) {
    Object cur = o;
    for (String p : path) {
      cur = ((Map<String, Object>) cur).get(p);
    }
    return (Map<String, Object>) cur;
  }

  /** The image's ENV, as DockerConfigTest reads it. */
  private static Map<String, String> imageEnv() throws Exception {
    Map<String, String> env = new HashMap<>();
    Matcher kv = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)").matcher("");
    for (String line : Files.readString(Path.of("docker/Dockerfile")).replace("\\\n", " ").lines().toList()) {
      if (line.startsWith("ENV ")) {
        kv.reset(line.substring(4));
        while (kv.find()) {
          env.put(kv.group(1), kv.group(2).replace("\"", ""));
        }
      }
    }
    return env;
  }

  @Test
  void theStatefulSetIsACompleteSecureClusterAndItsNamesAgree() throws Exception {
    Map<String, Map<String, Object>> docs = byKind();
    assertEquals(Set.of("Service/kvstore-peers", "Service/kvstore", "StatefulSet/kvstore", "PodDisruptionBudget/kvstore"), docs.keySet());
    Map<String, Object> sts = docs.get("StatefulSet/kvstore");
    Map<String, Object> spec = map(sts, "spec");
    Map<String, Object> headless = map(docs.get("Service/kvstore-peers"), "spec");
    assertEquals("kvstore-peers", spec.get("serviceName"));
    assertEquals("None", headless.get("clusterIP"));
    assertEquals(true, headless.get("publishNotReadyAddresses"), "peers must resolve each other before they are ready");
    Map<String, Object> podLabels = map(spec, "template", "metadata", "labels");
    assertEquals(map(spec, "selector", "matchLabels"), podLabels);
    for (String svc : List.of("Service/kvstore-peers", "Service/kvstore")) {
      assertEquals(podLabels, map(docs.get(svc), "spec", "selector"), svc + " selects the pods");
    }
    assertEquals(podLabels, map(docs.get("PodDisruptionBudget/kvstore"), "spec", "selector", "matchLabels"));
    assertEquals(1, map(docs.get("PodDisruptionBudget/kvstore"), "spec").get("maxUnavailable"));

    Map<String, Object> pod = map(spec, "template", "spec");
    Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
    Map<String, Integer> ports = new HashMap<>();
    for (Map<String, Object> p : (List<Map<String, Object>>) container.get("ports")) {
      ports.put((String) p.get("name"), (Integer) p.get("containerPort"));
    }
    String dockerfile = Files.readString(Path.of("docker/Dockerfile"));
    for (int port : ports.values()) {
      assertTrue(Pattern.compile("(?m)^EXPOSE .*\\b" + port + "\\b").matcher(dockerfile).find(), "the image exposes " + port);
    }
    for (Map<String, Object> p : (List<Map<String, Object>>) headless.get("ports")) {
      assertTrue(ports.containsKey((String) p.get("targetPort")), "headless service port " + p + " names a container port");
    }
    // ready only while serving; alive (not restarted) also while idling after a decommission
    assertEquals("/readyz", map(container, "readinessProbe", "httpGet").get("path"));
    assertEquals("/healthz", map(container, "livenessProbe", "httpGet").get("path"));
    assertEquals("http", map(container, "readinessProbe", "httpGet").get("port"));
    List<String> preStop = (List<String>) map(container, "lifecycle", "preStop", "exec").get("command");
    assertFalse(String.join(" ", preStop).contains("decommission"), "stopping a pod is a restart, never a leave");

    Map<String, String> mounts = new HashMap<>();
    for (Map<String, Object> m : (List<Map<String, Object>>) container.get("volumeMounts")) {
      mounts.put((String) m.get("name"), (String) m.get("mountPath"));
    }
    List<Map<String, Object>> claims = (List<Map<String, Object>>) spec.get("volumeClaimTemplates");
    assertEquals("data", map(claims.get(0), "metadata").get("name"), "a volume per pod");
    assertTrue(mounts.containsKey("data"));
    Map<String, Object> certVolume = ((List<Map<String, Object>>) pod.get("volumes")).get(0);
    assertEquals("certs", certVolume.get("name"));
    assertEquals("kvstore-certs", map(certVolume, "secret").get("secretName"));
    assertEquals(10001, map(pod, "securityContext").get("runAsUser"));
    assertTrue(dockerfile.contains("--uid 10001"), "the pod runs as the image's kv user");

    int replicas = (Integer) spec.get("replicas");
    for (int ordinal = 0; ordinal < replicas + 2; ordinal++) {
      NodeConfig c = NodeConfig.parse(new JsonObject(), podEnv(container, "kvstore-" + ordinal, "prod"));
      assertEquals("kvstore-" + ordinal, c.nodeId(), "the id is the pod name, stable across restarts");
      assertEquals("kvstore-" + ordinal + ".kvstore-peers.prod.svc.cluster.local", c.host());
      assertEquals(mounts.get("data"), c.dataDir());
      assertEquals(ports.get("grpc"), c.grpcPort());
      assertEquals(ports.get("http"), c.httpPort());
      assertEquals(ports.get("peer"), c.peerPort());
      assertFalse(c.insecure());
      assertEquals(mounts.get("certs") + "/kvstore-" + ordinal + ".pem", c.tlsCertFile());
      assertEquals(3, c.seeds().size());
      // the first three pods are the seeds (they start the cluster); later ordinals bootstrap
      assertEquals(ordinal < 3, c.seeds().contains(c.peerAddress()), "kvstore-" + ordinal + " is a seed: " + c.seeds());
    }
  }

  /** The container's environment for one pod, {@code $(VAR)} expanded in order as the kubelet does. */
  private static Map<String, String> podEnv(Map<String, Object> container, String podName, String namespace) throws Exception {
    Map<String, String> env = new HashMap<>(imageEnv());
    for (Map<String, Object> e : (List<Map<String, Object>>) container.get("env")) {
      String name = (String) e.get("name");
      String value;
      if (e.containsKey("valueFrom")) {
        String field = (String) map(e, "valueFrom", "fieldRef").get("fieldPath");
        value = field.equals("metadata.name") ? podName : field.equals("metadata.namespace") ? namespace : null;
        assertTrue(value != null, "unknown field " + field);
      } else {
        String raw = String.valueOf(e.get("value"));
        Matcher m = VAR.matcher(raw);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
          assertTrue(env.containsKey(m.group(1)), name + " refers to $(" + m.group(1) + ") defined before it");
          m.appendReplacement(sb, Matcher.quoteReplacement(env.get(m.group(1))));
        }
        m.appendTail(sb);
        value = sb.toString();
      }
      if (name.startsWith("KV_")) {
        List<String> known = new ArrayList<>();
        NodeConfig.KEYS.forEach(k -> known.add(k.envName()));
        assertTrue(known.contains(name), name + " is a config key's variable");
      }
      env.put(name, value);
    }
    return env;
  }
}
