package kvstore.campaign;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a campaign's saved history again, offline, with the checks that need nothing but the
 * history (the README's promises, operations that ended in an internal error): for a run whose
 * report was lost, or a checker changed since.
 * {@code java -cp target/test-classes:target/classes:<test classpath> kvstore.campaign.CheckSavedHistory target/campaign/seed-N/history.jsonl}
 */
public final class CheckSavedHistory {
  private CheckSavedHistory() {
  }

  public static void main(String[] args) throws Exception {
    HistoryRecorder.Saved saved = HistoryRecorder.read(Path.of(args[0]));
    List<Checker.Violation> violations = new ArrayList<>(Checker.readmePromises().check(saved.history(), saved.finals()));
    for (Op o : saved.history()) {
      if (o.error() != null && (o.error().contains("INTERNAL") || o.error().contains("UNKNOWN"))) {
        violations.add(new Checker.Violation("internal error", o.key(), "an operation ended with " + o.error(), List.of(o)));
      }
    }
    long ok = saved.history().stream().filter(o -> o.outcome() == Op.Outcome.OK).count();
    System.out.println(args[0] + ": " + saved.history().size() + " operations (" + ok + " OK), " + saved.finals().size()
        + " final reads, " + violations.size() + " violations");
    violations.stream().limit(50).forEach(System.out::println);
    System.exit(violations.isEmpty() ? 0 : 1);
  }
}
