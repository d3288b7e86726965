package kvstore.cli;

import kvstore.replica.proto.ReplicaProto;

/** Prints a range movement's progress about once a second and its end; answers the exit code. */
final class MoveCommand {
  private MoveCommand() {
  }

  static <Q> int follow(NodeConnection c, String node, io.vertx.grpc.common.ServiceMethod<ReplicaProto.MoveProgress, Q> method, Q req) {
    long[] lastPrint = {0};
    ReplicaProto.MoveProgress[] last = new ReplicaProto.MoveProgress[1];
    c.stream(node, method, req, p -> {
      last[0] = p;
      if (!p.getDone() && System.nanoTime() - lastPrint[0] > 1_000_000_000L) {
        lastPrint[0] = System.nanoTime();
        System.out.println("  " + line(p));
      }
    });
    if (last[0] == null || !last[0].getDone()) {
      System.err.println("the node ended the stream before the move was done");
      return 1;
    }
    ReplicaProto.MoveProgress p = last[0];
    (p.getFailed() ? System.err : System.out).println((p.getFailed() ? "failed: " : "done: ") + line(p));
    return p.getFailed() ? 1 : 0;
  }

  static String line(ReplicaProto.MoveProgress p) {
    return String.format("%s %d/%d ranges, %d rows, %.1f MB, %.1f s%s", p.getKind(), p.getRangesDone(), p.getRangesTotal(),
        p.getRows(), p.getBytes() / 1e6, p.getMillis() / 1000.0, p.getMessage().isEmpty() ? "" : ": " + p.getMessage());
  }
}
