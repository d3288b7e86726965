package kvstore.cli;

import io.vertx.grpc.client.InvalidStatusException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar node.jar kvctl ...}: the operator's command line, like nodetool. */
@Command(name = "kvctl", mixinStandardHelpOptions = true, version = "kvctl 0.1.0",
    description = "Operate and load-test a kvstore cluster through any node's gRPC port.",
    subcommands = {PutCommand.class, GetCommand.class, CasCommand.class, MultiGetCommand.class, DeleteCommand.class, StatusCommand.class, RingCommand.class,
        WhereCommand.class, RepairCommand.class, DecommissionCommand.class, RemoveNodeCommand.class, CleanupCommand.class, SnapshotCommand.class, ExportCommand.class, ImportCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Kvctl implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
  }

  public static int run(String... args) {
    CommandLine cmd = new CommandLine(new Kvctl());
    cmd.setExecutionExceptionHandler((ex, line, parsed) -> {
      String msg = ex instanceof InvalidStatusException s ? "failed: gRPC status " + s.actualStatus()
          : ex instanceof kvstore.rpc.RpcCall.Failure f ? "failed: " + f.getMessage() : "failed: " + ex.getMessage();
      line.getErr().println(line.getCommandName() + " " + msg);
      return 1;
    });
    return cmd.execute(args);
  }
}
