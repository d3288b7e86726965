package kvstore.scenarios;

import kvstore.testing.ProcessCluster;
import kvstore.testing.TestCluster;

import java.nio.file.Path;

/** {@link ClusterScenarios} on three real {@code java -jar target/node.jar} processes. */
class ProcessScenariosIT extends ClusterScenarios {
  @Override
  TestCluster threeNodes(Path dir) {
    return new ProcessCluster(dir, 3, (i, cfg) -> cfg.put("failureDetectorPauseMs", 300).put("failureDetectorMinStdDevMs", 100)).start();
  }
}
