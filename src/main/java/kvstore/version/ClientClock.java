package kvstore.version;

import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * Stamps one client's writes at the moment it invokes them: microseconds since the epoch, strictly
 * increasing for this client even when two writes fall in one microsecond or the wall clock steps
 * back. A write stamped when it was invoked ranks below every write invoked after it, so one that
 * its client gave up on and that a paused or cut-off coordinator applies late cannot overwrite a
 * write acknowledged in the meantime - as the DataStax drivers stamp CQL writes.
 */
public final class ClientClock {
  private final LongSupplier micros;
  private long last;

  public ClientClock(LongSupplier micros) {
    this.micros = micros;
  }

  public static ClientClock system() {
    return new ClientClock(() -> {
      Instant now = Instant.now();
      return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    });
  }

  /** The stamp for a write invoked now (timestamp_us). */
  public synchronized long next() {
    last = Math.max(micros.getAsLong(), last + 1);
    return last;
  }
}
