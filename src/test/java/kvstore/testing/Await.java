package kvstore.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits on a condition with a deadline: no fixed sleeps in tests. */
public final class Await {
  private Await() {
  }

  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    until(what, timeout, condition, () -> "");
  }

  /** As {@link #until(String, Duration, BooleanSupplier)}, with what {@code state} says at the deadline in the failure. */
  public static void until(String what, Duration timeout, BooleanSupplier condition, java.util.function.Supplier<String> state) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Throwable last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (Exception e) {
        // Future.await() rethrows checked causes (e.g. ConnectException) as they are
        last = e;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
    String now = state.get();
    throw new AssertionError("timed out after " + timeout + " waiting for " + what + (last == null ? "" : ": last error " + last)
        + (now.isEmpty() ? "" : "\n" + now), last);
  }
}
