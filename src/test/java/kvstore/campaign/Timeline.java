package kvstore.campaign;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A run as one self-contained HTML page (inline SVG, no scripts): a band per node with its faults,
 * then per second the operations completed, the failed and indeterminate ones, and the p99 of the
 * OK ones, and a red line at each violation's read. What happened when, at a glance.
 */
public final class Timeline {
  private Timeline() {
  }

  private static final int W = 1200;
  private static final int LEFT = 90;

  public static void write(Path file, String title, int nodes, List<Op> history, List<Nemesis.Fault> faults,
                           List<Checker.Violation> violations) throws IOException {
    long endNs = history.stream().mapToLong(Op::completeNs).max().orElse(1_000_000_000L);
    int seconds = (int) (endNs / 1_000_000_000L) + 1;
    double px = (double) (W - LEFT - 10) / seconds;
    int[] ok = new int[seconds];
    int[] info = new int[seconds];
    int[] fail = new int[seconds];
    long[][] lat = new long[seconds][];
    java.util.Map<Integer, List<Long>> byS = new java.util.HashMap<>();
    for (Op o : history) {
      int s = (int) (o.completeNs() / 1_000_000_000L);
      switch (o.outcome()) {
        case OK -> {
          ok[s]++;
          byS.computeIfAbsent(s, x -> new java.util.ArrayList<>()).add(o.completeNs() - o.invokeNs());
        }
        case INFO -> info[s]++;
        case FAIL -> fail[s]++;
      }
    }
    double[] p99 = new double[seconds];
    for (var e : byS.entrySet()) {
      List<Long> l = e.getValue();
      l.sort(null);
      p99[e.getKey()] = l.get(Math.min(l.size() - 1, (int) Math.ceil(l.size() * 0.99) - 1)) / 1e6;
    }
    int maxOps = 1;
    double maxP99 = 1;
    for (int s = 0; s < seconds; s++) {
      maxOps = Math.max(maxOps, ok[s] + info[s] + fail[s]);
      maxP99 = Math.max(maxP99, p99[s]);
    }
    int bandH = 22;
    int chartTop = nodes * bandH + 20;
    int chartH = 140;
    int h = chartTop + 2 * (chartH + 30) + 30;
    StringBuilder svg = new StringBuilder();
    svg.append("<svg xmlns='http://www.w3.org/2000/svg' width='").append(W).append("' height='").append(h).append("' font-family='sans-serif' font-size='11'>");
    for (int n = 0; n < nodes; n++) {
      int y = 10 + n * bandH;
      svg.append(String.format("<text x='5' y='%d'>node%d</text><rect x='%d' y='%d' width='%d' height='%d' fill='#f4f4f4'/>",
          y + 14, n + 1, LEFT, y, W - LEFT - 10, bandH - 4));
    }
    for (Nemesis.Fault f : faults) {
      int y = 10 + f.node() * bandH;
      String color = switch (f.kind()) {
        case "kill" -> "#d62728";
        case "pause-long" -> "#ff7f0e";
        case "isolate", "split", "bridge" -> "#9467bd";
        case "clock-within", "clock-beyond" -> "#1f77b4";
        case "lost-disk", "decommission", "removenode" -> "#17becf";
        case "disk-full" -> "#8c564b";
        case "restart" -> "#2ca02c";
        default -> "#f2c14e";
      };
      svg.append(String.format("<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='%s'><title>%s</title></rect>",
          LEFT + f.startNs() / 1e9 * px, y, Math.max(1, (f.endNs() - f.startNs()) / 1e9 * px), bandH - 4, color, escape(f.toString())));
    }
    int y1 = chartTop + chartH;
    svg.append(String.format("<text x='5' y='%d'>ops/s (max %d)</text>", chartTop + 12, maxOps));
    for (int s = 0; s < seconds; s++) {
      double x = LEFT + s * px;
      double hOk = ok[s] * (double) chartH / maxOps;
      double hInfo = info[s] * (double) chartH / maxOps;
      double hFail = fail[s] * (double) chartH / maxOps;
      svg.append(String.format("<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='#2ca02c'/>", x, y1 - hOk, px * 0.9, hOk));
      svg.append(String.format("<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='#ff7f0e'/>", x, y1 - hOk - hInfo, px * 0.9, hInfo));
      svg.append(String.format("<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='#d62728'/>", x, y1 - hOk - hInfo - hFail, px * 0.9, hFail));
    }
    int y2 = y1 + 30 + chartH;
    svg.append(String.format("<text x='5' y='%d'>p99 ms (max %.0f)</text>", y1 + 42, maxP99));
    StringBuilder line = new StringBuilder();
    for (int s = 0; s < seconds; s++) {
      line.append(String.format("%.1f,%.1f ", LEFT + (s + 0.5) * px, y2 - p99[s] * chartH / maxP99));
    }
    svg.append("<polyline fill='none' stroke='#1f77b4' points='").append(line).append("'/>");
    for (Checker.Violation v : violations) {
      // one found after the run (a replica not converged, a compare-and-set history, a node's log) is marked at its end
      double x = v.ops().isEmpty() ? LEFT + seconds * px : LEFT + v.ops().get(v.ops().size() - 1).invokeNs() / 1e9 * px;
      svg.append(String.format("<line x1='%.1f' y1='5' x2='%.1f' y2='%d' stroke='red' stroke-width='2'><title>%s</title></line>",
          x, x, h - 5, escape(v.kind() + " " + v.key())));
    }
    svg.append("</svg>");
    StringBuilder html = new StringBuilder("<!doctype html><html><head><meta charset='utf-8'><title>").append(escape(title))
        .append("</title></head><body><h3>").append(escape(title)).append("</h3>")
        .append("<p>faults: <span style='color:#d62728'>kill</span>, <span style='color:#ff7f0e'>long pause</span>, ")
        .append("<span style='color:#c9a227'>short pause</span>, <span style='color:#9467bd'>isolated</span>; ops: ")
        .append("<span style='color:#2ca02c'>ok</span>, <span style='color:#ff7f0e'>indeterminate</span>, ")
        .append("<span style='color:#d62728'>failed</span>; red lines: violations</p>").append(svg);
    html.append("<pre>");
    if (violations.isEmpty()) {
      html.append("no violations");
    }
    violations.forEach(v -> html.append(escape(v.toString())).append("\n\n"));
    html.append("</pre></body></html>");
    Files.writeString(file, html);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
  }
}
