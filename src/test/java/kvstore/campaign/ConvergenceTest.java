package kvstore.campaign;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConvergenceTest {
  private static final String HEADER = "key 'key3': token 123, replicas [node2, node4, node1]\n"
      + "replica      status   value sha256       modified_at     tombstone  bytes   expires_at\n";

  @Test
  void replicasHoldingTheSameRowOrNoneHaveConverged() {
    assertNull(Convergence.diverged(HEADER
        + "node2        UP       9f86d081884c7d65   1796660000123   false      5       never\n"
        + "node4        UP       9f86d081884c7d65   1796660000123   false      5       never\n"
        + "node1        UP       9f86d081884c7d65   1796660000123   false      5       never\n"));
    assertNull(Convergence.diverged(HEADER + "node2        UP       (absent)\nnode4        UP       (absent)\nnode1        UP       (absent)\n"));
  }

  @Test
  void anOlderVersionAMissingRowATombstoneBesideAbsenceOrADeadReplicaHaveNot() {
    String older = Convergence.diverged(HEADER
        + "node2        UP       9f86d081884c7d65   1796660000123   false      5       never\n"
        + "node4        UP       2c26b46b68ffc68f   1796660000001   false      5       never\n"
        + "node1        UP       9f86d081884c7d65   1796660000123   false      5       never\n");
    assertNotNull(older);
    assertTrue(older.contains("node4"), older);
    assertNotNull(Convergence.diverged(HEADER
        + "node2        UP       9f86d081884c7d65   1796660000123   false      5       never\n"
        + "node4        UP       (absent)\n"
        + "node1        UP       9f86d081884c7d65   1796660000123   false      5       never\n"));
    assertNotNull(Convergence.diverged(HEADER
        + "node2        UP       e3b0c44298fc1c14   1796660000123   true       0       never\n"
        + "node4        UP       (absent)\n"
        + "node1        UP       e3b0c44298fc1c14   1796660000123   true       0       never\n"));
    String dead = Convergence.diverged(HEADER
        + "node2        UP       9f86d081884c7d65   1796660000123   false      5       never\n"
        + "node4        DOWN     unreachable: Connection refused\n");
    assertTrue(dead != null && dead.contains("unreachable"), dead);
    assertNotNull(Convergence.diverged("status failed: Connection refused"));
  }
}
