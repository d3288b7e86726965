package kvstore.bench;

import java.util.concurrent.ThreadLocalRandom;

/** Picks key indexes in [0, n): uniformly, or zipfian (YCSB's generator, theta 0.99) so a few keys are hot. */
public interface KeyChooser {
  long next();

  static KeyChooser uniform(long n) {
    return () -> ThreadLocalRandom.current().nextLong(n);
  }

  static KeyChooser zipfian(long n) {
    return new Zipfian(n, 0.99);
  }

  /** Gray et al., "Quickly generating billion-record synthetic databases" (1994), as in YCSB. */
  final class Zipfian implements KeyChooser {
    private final long n;
    private final double theta;
    private final double alpha;
    private final double zetan;
    private final double eta;

    Zipfian(long n, double theta) {
      this.n = n;
      this.theta = theta;
      this.alpha = 1.0 / (1.0 - theta);
      this.zetan = zeta(n, theta);
      double zeta2 = zeta(2, theta);
      this.eta = (1 - Math.pow(2.0 / n, 1 - theta)) / (1 - zeta2 / zetan);
    }

    private static double zeta(long n, double theta) {
      double sum = 0;
      for (long i = 1; i <= n; i++) {
        sum += 1 / Math.pow(i, theta);
      }
      return sum;
    }

    @Override
    public long next() {
      double u = ThreadLocalRandom.current().nextDouble();
      double uz = u * zetan;
      if (uz < 1.0) {
        return 0;
      }
      if (uz < 1.0 + Math.pow(0.5, theta)) {
        return 1;
      }
      return Math.min(n - 1, (long) (n * Math.pow(eta * u - eta + 1, alpha)));
    }
  }
}
