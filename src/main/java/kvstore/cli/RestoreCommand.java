package kvstore.cli;

import kvstore.backup.Restore;
import kvstore.backup.Snapshots;
import kvstore.config.ConfigException;
import kvstore.config.NodeConfig;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code java -jar node.jar restore -conf nodeN.json --snapshot NAME}: a stopped node's data from one of its snapshots ({@link Restore}). */
@Command(name = "restore", mixinStandardHelpOptions = true,
    description = "Restore a stopped node's data from one of its snapshots (kvctl snapshot create). Verifies the snapshot is this "
        + "node's and undamaged before it writes anything, and keeps the current data in dataDir/pre-restore-TIME.")
final class RestoreCommand implements Callable<Integer> {
  @Option(names = {"-conf", "--conf"}, required = true, description = "the node's config file (or inline JSON), as it starts with")
  String conf;

  @ArgGroup(multiplicity = "1")
  Source source;

  static final class Source {
    @Option(names = "--snapshot", description = "a snapshot in the node's dataDir/snapshots", paramLabel = "NAME")
    String name;
    @Option(names = "--from", description = "a snapshot directory copied elsewhere (its manifest.json and kv.db)", paramLabel = "DIR")
    Path from;
  }

  @Option(names = "--whole-cluster", description = "every node is restored from the same snapshot: allows a snapshot older than "
      + "tombstoneGraceMs (restoring one node from it could bring deleted keys back)")
  boolean wholeCluster;

  static int run(String... args) {
    CommandLine cmd = new CommandLine(new RestoreCommand());
    cmd.setExecutionExceptionHandler((ex, line, parsed) -> {
      System.err.println("restore refused: " + ex.getMessage());
      return 1;
    });
    return cmd.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    NodeConfig config;
    try {
      config = NodeConfig.parse(Main.readConf(conf), System.getenv());
    } catch (ConfigException e) {
      System.err.println("config error: " + e.getMessage());
      return Main.EXIT_CONFIG;
    }
    String up = Restore.running(List.of(config.peerAddress(), config.grpcAddress(), config.httpAddress()));
    if (up != null) {
      System.err.println("restore refused: node " + config.nodeId() + " is running (" + up + " accepts connections); stop it first");
      return 1;
    }
    Path dataDir = Path.of(config.dataDir());
    Path dir = source.from != null ? source.from : dataDir.resolve(Snapshots.DIR).resolve(source.name);
    if (source.name != null && Snapshots.invalidName(source.name) != null) {
      System.err.println("restore refused: " + Snapshots.invalidName(source.name));
      return 1;
    }
    try {
      System.out.println("verifying " + dir + " ...");
      System.out.println(Restore.run(dir, new Restore.Target(dataDir, config.nodeId(), config.clusterName(), config.replicationFactor(),
          config.vnodes(), config.tombstoneGraceMs()), wholeCluster, System.currentTimeMillis()));
      return 0;
    } catch (IllegalStateException e) {
      System.err.println("restore refused: " + e.getMessage());
      return 1;
    }
  }
}
