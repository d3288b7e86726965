package kvstore.security;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionAdmissionTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void oneAddressCannotHoldMoreThanItsShare() {
    ConnectionAdmission<String> a = new ConnectionAdmission<>(100, 3, 1000);
    for (int i = 0; i < 3; i++) {
      assertTrue(a.arrive("x" + i, "10.0.0.9", 0).admitted());
    }
    ConnectionAdmission.Decision<String> fourth = a.arrive("x3", "10.0.0.9", 0);
    assertFalse(fourth.admitted());
    assertEquals("per_source_cap", fourth.metric());
    assertTrue(fourth.reason().contains("maxConnectionsPerSource"), fourth.reason());
    assertTrue(a.arrive("y", "10.0.0.2", 0).admitted(), "another address still gets in");
    a.leave("x0");
    assertTrue(a.arrive("x4", "10.0.0.9", 0).admitted(), "a closed connection gives its room back");
  }

  @Test
  void newConnectionsPerSecondAreRationedPerAddress() {
    ConnectionAdmission<String> a = new ConnectionAdmission<>(10_000, 10_000, 5);
    for (int i = 0; i < 5; i++) {
      assertTrue(a.arrive("x" + i, "10.0.0.9", 0).admitted());
    }
    assertEquals("per_source_rate", a.arrive("x5", "10.0.0.9", 0).metric());
    assertTrue(a.arrive("y", "10.0.0.2", 0).admitted());
    assertFalse(a.arrive("x6", "10.0.0.9", SECOND / 10).admitted(), "half a token after 100 ms");
    assertTrue(a.arrive("x7", "10.0.0.9", SECOND / 5).admitted(), "a token after 200 ms");
  }

  @Test
  void atTheCapAnUnprovenConnectionMakesRoomForANewcomer() {
    ConnectionAdmission<String> a = new ConnectionAdmission<>(3, 3, 1000);
    assertTrue(a.arrive("member", "10.0.0.1", 0).admitted());
    a.prove("member");
    assertTrue(a.arrive("junk1", "10.0.0.9", 0).admitted());
    assertTrue(a.arrive("junk2", "10.0.0.9", 0).admitted());
    ConnectionAdmission.Decision<String> d = a.arrive("member2", "10.0.0.2", 0);
    assertTrue(d.admitted());
    assertEquals("junk1", d.evict(), "the oldest unproven connection goes");
    assertEquals("evicted_unproven", d.metric());
    assertEquals(3, a.open());
    a.prove("member2");
    // now only junk2 is unproven: the next newcomer takes its place, never a member's
    assertEquals("junk2", a.arrive("member3", "10.0.0.3", 0).evict());
    a.prove("member3");
    assertTrue(a.proven("member"));
  }

  @Test
  void atTheCapWithAllProvenTheLargestHolderGivesWayToAnotherAddress() {
    ConnectionAdmission<String> a = new ConnectionAdmission<>(4, 10, 1000);
    for (int i = 0; i < 4; i++) {
      assertTrue(a.arrive("hog" + i, "10.0.0.9", 0).admitted());
      a.prove("hog" + i);
    }
    ConnectionAdmission.Decision<String> health = a.arrive("healthz", "10.0.0.5", 0);
    assertTrue(health.admitted());
    assertEquals("hog0", health.evict());
    assertEquals("evicted_largest_source", health.metric());
    a.prove("healthz");
    // the hog's own newcomers find no room: it is the largest holder
    ConnectionAdmission.Decision<String> more = a.arrive("hog4", "10.0.0.9", 0);
    assertFalse(more.admitted());
    assertEquals("connection_cap", more.metric());
    assertNull(more.evict());
    assertEquals(3, a.heldBy("10.0.0.9"));
  }
}
