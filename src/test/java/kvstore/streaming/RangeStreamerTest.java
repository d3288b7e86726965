package kvstore.streaming;

import io.reactivex.rxjava3.schedulers.Schedulers;
import io.vertx.core.Future;
import kvstore.ring.Ring;
import kvstore.storage.TokenScan;
import kvstore.version.Versioned;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RangeStreamerTest {
  private static final Comparator<Versioned> ORDER = Comparator.<Versioned>comparingLong(v -> Ring.token(v.key())).thenComparing(Versioned::key);

  /** A replica's rows in (token, key) order; each page stops early once it holds {@code pageBytes}, as a peer's ScanRange does. */
  private static RangeStreamer.RowSource source(List<Versioned> rows, long pageBytes, List<Integer> pageSizes) {
    return scan -> {
      List<Versioned> page = new ArrayList<>();
      long bytes = 0;
      for (Versioned v : rows) {
        long t = Ring.token(v.key());
        boolean after = scan.afterKey() == null || t > scan.afterToken() || (t == scan.afterToken() && v.key().compareTo(scan.afterKey()) > 0);
        if (t < scan.first() || t > scan.last() || !after) {
          continue;
        }
        if (page.size() == scan.limit() || (!page.isEmpty() && bytes > pageBytes)) {
          break;
        }
        page.add(v);
        bytes += v.key().length() + v.value().length;
      }
      pageSizes.add(page.size());
      return Future.succeededFuture(page);
    };
  }

  private static List<Versioned> rows(int n, int valueBytes) {
    List<Versioned> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(new Versioned("key" + i, "x".repeat(valueBytes).getBytes(StandardCharsets.UTF_8), i + 1, false, 0));
    }
    rows.sort(ORDER);
    return rows;
  }

  private static long copy(List<Versioned> from, long pageBytes, Map<String, Versioned> to, List<Integer> pageSizes) {
    RangeStreamer streamer = new RangeStreamer(16, 0, System::nanoTime, Schedulers.trampoline());
    RangeStreamer.RowSink sink = batch -> {
      batch.forEach(v -> to.put(v.key(), v));
      return Future.succeededFuture();
    };
    return streamer.copy(Long.MIN_VALUE, Long.MAX_VALUE, source(from, pageBytes, pageSizes), List.of(sink), new MoveStats("bootstrap"))
        .blockingGet();
  }

  @Test
  void pagesCutShortByTheirByteLimitDoNotEndTheInterval() {
    List<Versioned> from = rows(100, 1000);
    Map<String, Versioned> to = new TreeMap<>();
    List<Integer> pageSizes = new ArrayList<>();
    // 3 rows of 1 kB fill a page: every page is shorter than the 16 rows asked for
    long copied = copy(from, 2500, to, pageSizes);
    assertEquals(100, copied);
    assertEquals(100, to.size());
    assertEquals(3, pageSizes.get(0));
    assertEquals(0, pageSizes.get(pageSizes.size() - 1), "stops at the empty page after the last row");
  }

  @Test
  void fullPagesAndAShortLastPageCopyEveryRowOnce() {
    List<Versioned> from = rows(40, 10);
    Map<String, Versioned> to = new TreeMap<>();
    List<Integer> pageSizes = new ArrayList<>();
    assertEquals(40, copy(from, Long.MAX_VALUE, to, pageSizes));
    assertEquals(List.of(16, 16, 8, 0), pageSizes);
    for (Versioned v : from) {
      assertEquals(v.version(), to.get(v.key()).version(), v.key());
    }
  }

  @Test
  void anEmptyIntervalCopiesNothing() {
    Map<String, Versioned> to = new TreeMap<>();
    List<Integer> pageSizes = new ArrayList<>();
    assertEquals(0, copy(List.of(), Long.MAX_VALUE, to, pageSizes));
    assertEquals(List.of(0), pageSizes);
  }
}
