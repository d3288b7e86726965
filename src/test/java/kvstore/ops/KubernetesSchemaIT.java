package kvstore.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * k8s/kvstore.yaml against the Kubernetes API's own OpenAPI schemas (the npm kubernetes-models
 * package, installed from src/test/node/package-lock.json): every document's types and required
 * fields, as the API server would check them. A copy with a wrong type must fail, so the check is
 * known to bite. (It does not catch unknown fields: KubernetesManifestTest checks the ones we use.)
 */
class KubernetesSchemaIT {
  @TempDir
  Path dir;

  private static String validate(Path manifest, int expectedExit) throws Exception {
    Path out = Files.createTempFile("k8s-validate", ".log");
    Process p = new ProcessBuilder("node", "src/test/node/k8s-validate.mjs", manifest.toAbsolutePath().toString())
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the validator finished");
    String printed = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(expectedExit, p.exitValue(), printed);
    return printed;
  }

  @Test
  void theManifestsAreValidKubernetesObjects() throws Exception {
    assertTrue(Files.isDirectory(Path.of("src/test/node/node_modules/kubernetes-models")),
        "npm dependencies missing: `mvn verify` installs them with `npm ci` in src/test/node");
    String ok = validate(Path.of("k8s/kvstore.yaml"), 0);
    for (String kind : new String[] {"Service kvstore-peers", "Service kvstore", "StatefulSet kvstore", "PodDisruptionBudget kvstore"}) {
      assertTrue(ok.contains("ok: ") && ok.contains(kind), kind + " validated: " + ok);
    }
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(broken, Files.readString(Path.of("k8s/kvstore.yaml")).replace("replicas: 3", "replicas: three"));
    String refused = validate(broken, 1);
    assertTrue(refused.contains("INVALID") && refused.contains("spec/replicas must be integer"), refused);
  }
}
