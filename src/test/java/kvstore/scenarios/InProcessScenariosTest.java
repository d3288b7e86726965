package kvstore.scenarios;

import kvstore.testing.InProcessCluster;
import kvstore.testing.TestCluster;

import java.nio.file.Path;

/** {@link ClusterScenarios} on three nodes in this JVM. */
class InProcessScenariosTest extends ClusterScenarios {
  @Override
  TestCluster threeNodes(Path dir) {
    return new InProcessCluster(dir, 3, (i, cfg) -> cfg.put("failureDetectorPauseMs", 300).put("failureDetectorMinStdDevMs", 100)).start();
  }
}
