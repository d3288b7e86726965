package kvstore.campaign;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static kvstore.campaign.CasChecker.CasOp.cas;
import static kvstore.campaign.CasChecker.CasOp.read;
import static kvstore.campaign.CasChecker.Outcome.APPLIED;
import static kvstore.campaign.CasChecker.Outcome.NOT_APPLIED;
import static kvstore.campaign.CasChecker.Outcome.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Histories the CAS-register checker must accept, and ones it must refuse. */
class CasCheckerTest {
  private static final long MS = 1_000_000;

  @Test
  void sequentialIncrementsPass() {
    assertNull(CasChecker.check(List.of(
        read(1, "0", 0, MS),
        cas(1, "0", "1", APPLIED, null, 2 * MS, 3 * MS),
        read(2, "1", 4 * MS, 5 * MS),
        cas(2, "1", "2", APPLIED, null, 6 * MS, 7 * MS),
        cas(1, "1", "2", NOT_APPLIED, "2", 8 * MS, 9 * MS)), "0"));
  }

  @Test
  void twoAppliedCasesFromOneValueFail() {
    String why = CasChecker.check(List.of(
        cas(1, "0", "1", APPLIED, null, 0, 10 * MS),
        cas(2, "0", "1", APPLIED, null, 1 * MS, 11 * MS)), "0");
    assertNotNull(why, "a lost update: both found 0");
    assertTrue(why.contains("not linearizable"), why);
  }

  @Test
  void overlappingOperationsMayTakeEffectInEitherOrder() {
    assertNull(CasChecker.check(List.of(
        cas(1, "0", "a", APPLIED, null, 0, 10 * MS),
        read(2, "0", 1 * MS, 2 * MS),
        read(3, "a", 3 * MS, 4 * MS),
        cas(4, "0", "b", NOT_APPLIED, "a", 5 * MS, 12 * MS)), "0"));
  }

  @Test
  void aStaleReadAfterAnAcknowledgedCasFails() {
    assertNotNull(CasChecker.check(List.of(
        cas(1, "0", "1", APPLIED, null, 0, MS),
        read(2, "0", 2 * MS, 3 * MS)), "0"), "the read began after the CAS was acknowledged");
  }

  @Test
  void aRefusalThatSawTheExpectedValueFails() {
    assertNotNull(CasChecker.check(List.of(cas(1, "0", "1", NOT_APPLIED, "0", 0, MS)), "0"));
  }

  @Test
  void anUnknownCasMayHaveTakenEffectLaterOrNever() {
    List<CasChecker.CasOp> tookEffect = List.of(
        cas(1, "0", "1", UNKNOWN, null, 0, MS),
        read(2, "0", 2 * MS, 3 * MS),
        read(2, "1", 100 * MS, 101 * MS));
    assertNull(CasChecker.check(tookEffect, "0"), "it took effect after the first read");
    List<CasChecker.CasOp> never = List.of(
        cas(1, "0", "1", UNKNOWN, null, 0, MS),
        read(2, "0", 100 * MS, 101 * MS));
    assertNull(CasChecker.check(never, "0"), "or never");
    List<CasChecker.CasOp> beforeInvoked = List.of(
        read(2, "1", 0, MS),
        cas(1, "0", "1", UNKNOWN, null, 2 * MS, 3 * MS));
    assertNotNull(CasChecker.check(beforeInvoked, "0"), "but not before it was invoked");
  }

  /** The search remembers states it tried, so overlap, not length, sets its cost. */
  @Test
  @org.junit.jupiter.api.Timeout(30)
  void aLongCounterHistoryWithFourClientsIsChecked() {
    List<CasChecker.CasOp> ops = new ArrayList<>();
    long t = 0;
    for (int n = 0; n < 400; n++) {
      int p = n % 4;
      ops.add(read((p + 1) % 4, String.valueOf(n), t, t + 3 * MS));
      ops.add(cas(p, String.valueOf(n), String.valueOf(n + 1), APPLIED, null, t + MS, t + 4 * MS));
      ops.add(cas((p + 2) % 4, String.valueOf(n), String.valueOf(n + 1), NOT_APPLIED, String.valueOf(n + 1), t + 2 * MS, t + 6 * MS));
      t += 5 * MS;
    }
    assertNull(CasChecker.check(ops, "0"));
    ops.set(600, cas(9, "200", "201", APPLIED, null, ops.get(600).invokeNs(), ops.get(600).completeNs()));
    assertNotNull(CasChecker.check(ops, "0"), "one more applied increment from 200 is a lost update");
  }
}
