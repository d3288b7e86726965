package kvstore.campaign;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimelineTest {
  @TempDir
  Path dir;

  /** A violation found after the run (no operation of the history to place it at) is marked too, at the end. */
  @Test
  void marksEveryViolationWithOrWithoutAnOperation() throws Exception {
    Op put = new Op(1, 1, Op.Type.PUT, "key1", "p1-1", 0, "node1", "QUORUM", 1_000_000_000L, 1_200_000_000L, Op.Outcome.OK, null);
    Op read = new Op(2, 2, Op.Type.GET, "key1", null, 0, "node2", "QUORUM", 2_000_000_000L, 2_100_000_000L, Op.Outcome.OK, null);
    List<Checker.Violation> violations = List.of(
        new Checker.Violation("stale read", "key1", "missed p1-1", List.of(put, read)),
        new Checker.Violation("not converged", "key7", "node2 holds another row", List.of()));
    Path file = dir.resolve("timeline.html");
    Timeline.write(file, "seed 1, 3 s", 4, List.of(put, read), List.of(new Nemesis.Fault("kill", 0, 500_000_000L, 1_500_000_000L, "")),
        violations);
    String html = Files.readString(file);
    assertEquals(2, html.split("stroke='red'", -1).length - 1, html);
    assertTrue(html.contains("not converged key7") && html.contains("stale read key1"), html);
  }
}
