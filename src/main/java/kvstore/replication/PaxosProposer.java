package kvstore.replication;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import kvstore.log.EventLog;
import kvstore.membership.ClusterView;
import kvstore.metrics.NodeMetrics;
import kvstore.paxos.Ballot;
import kvstore.paxos.CasCondition;
import kvstore.paxos.PaxosAnswer;
import kvstore.paxos.PaxosCall;
import kvstore.paxos.Promises;
import kvstore.version.HybridLogicalClock;
import kvstore.version.Versioned;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Compare-and-set and SERIAL reads for one key, by Paxos among its replicas, in two round trips
 * when nobody competes, as Cassandra's Paxos v2: prepare (the promise round is also the read: each
 * promise carries the key's row) and propose; the client hears "applied" once a quorum accepted
 * the proposal (it is chosen, and durable there), and the commit (the row written to every replica
 * by last-write-wins, so plain reads see it too) follows at once. With {@code waitForCommit} the
 * client hears it only after a quorum stored the commit: three round trips, and a plain QUORUM read
 * that starts after the answer sees the value. A proposal
 * found accepted and not committed is finished first, under this round's ballot. A round that
 * meets a higher ballot backs off for a random time that doubles each round, and tries again
 * until {@code timeoutMs} has passed.
 *
 * <p>Participants are the key's replicas in the current ring and, while a move runs, the ones it
 * will have after; each pending replica (a joining node, or a replacement still streaming) raises
 * the quorum by one, as in Cassandra, so two quorums still meet in a replica that has every
 * chosen value. Used from one event loop.
 */
public final class PaxosProposer {
  /** The answer of a compare-and-set or a SERIAL read; {@code current}: the row the condition was checked against, or the one written. */
  public record Result(boolean applied, Versioned current) {
  }

  /** Before the first retry; doubles each round up to {@link #MAX_BACKOFF_MS}. */
  static final long FIRST_BACKOFF_MS = 2;
  static final long MAX_BACKOFF_MS = 64;

  private final Supplier<ClusterView> view;
  private final Function<String, Replica> replicas;
  private final HybridLogicalClock clock;
  private final int replicationFactor;
  private final long timeoutMs;
  private final boolean waitForCommit;
  private final LongSupplier nowMs;
  private final BiConsumer<Long, Runnable> timer;
  private final NodeMetrics metrics;
  private final EventLog log;

  /** {@code timer}: runs the task after the delay (ms) on this event loop; {@code nowMs}: monotonic enough for deadlines. */
  public PaxosProposer(Supplier<ClusterView> view, Function<String, Replica> replicas, HybridLogicalClock clock, int replicationFactor,
                       long timeoutMs, boolean waitForCommit, LongSupplier nowMs, BiConsumer<Long, Runnable> timer, NodeMetrics metrics,
                       EventLog log) {
    this.waitForCommit = waitForCommit;
    this.view = view;
    this.replicas = replicas;
    this.clock = clock;
    this.replicationFactor = replicationFactor;
    this.timeoutMs = timeoutMs;
    this.nowMs = nowMs;
    this.timer = timer;
    this.metrics = metrics;
    this.log = log;
  }

  /**
   * Writes {@code proposal} (its version is chosen here) if {@code condition} holds for the key's
   * current state; otherwise answers that state. Fails with a {@link ReplicationException} when no
   * quorum answered in time; its message says whether the write may have applied.
   */
  public Future<Result> compareAndSet(CasCondition condition, Versioned proposal) {
    return inTurn(new Attempt(proposal.key(), condition, proposal));
  }

  /** The key's current row (null when none), after every compare-and-set completed before this call and any in progress. */
  public Future<Result> serialRead(String key) {
    return inTurn(new Attempt(key, null, null));
  }

  /** Calls on a key waiting for the one this proposer runs on it; the first of each queue is running. */
  private final java.util.Map<String, java.util.ArrayDeque<Attempt>> queued = new java.util.HashMap<>();

  /**
   * This proposer runs one call per key at a time, the others waiting in order (their deadlines
   * run while they wait): calls through one coordinator never compete with each other for ballots,
   * so contention on a hot key is between coordinators, not between every client.
   */
  private Future<Result> inTurn(Attempt a) {
    java.util.ArrayDeque<Attempt> q = queued.computeIfAbsent(a.key, k -> new java.util.ArrayDeque<>());
    q.add(a);
    Future<Result> result = a.done.future();
    result.onComplete(ar -> {
      q.poll();
      if (q.isEmpty()) {
        queued.remove(a.key);
      } else {
        q.peek().start();
      }
    });
    if (q.size() == 1) {
      a.start();
    }
    return result;
  }

  /** One client call: rounds until it is decided or out of time. */
  private final class Attempt {
    private final String key;
    private final CasCondition condition;
    private final Versioned proposal;
    private final long deadline;
    private final Promise<Result> done = Promise.promise();
    /**
     * Rows this call proposed, by the ballot each was first proposed under: found later in progress
     * or as the last commit, the call applied.
     */
    private final java.util.Map<Ballot, Versioned> proposed = new java.util.LinkedHashMap<>();
    private long backoff = FIRST_BACKOFF_MS;
    private int rounds;

    Attempt(String key, CasCondition condition, Versioned proposal) {
      this.key = key;
      this.condition = condition;
      this.proposal = proposal;
      this.deadline = nowMs.getAsLong() + timeoutMs;
    }

    void start() {
      // the calls queued behind this one on its key wait for it: it ends by its deadline even when a replica never answers
      timer.accept(Math.max(1, deadline - nowMs.getAsLong()), this::expire);
      round();
    }

    private void expire() {
      if (done.future().isComplete()) {
        return;
      }
      if (nowMs.getAsLong() < deadline) {
        timer.accept(Math.max(1, deadline - nowMs.getAsLong()), this::expire);
        return;
      }
      fail("no decision within " + timeoutMs + " ms (" + rounds + " rounds; a replica did not answer in time)");
    }

    private void round() {
      if (nowMs.getAsLong() >= deadline) {
        fail("no decision within " + timeoutMs + " ms (" + rounds + " rounds, competing proposers or slow replicas)");
        return;
      }
      rounds++;
      ClusterView v = view.get();
      List<String> prefs = v.ring().preferenceList(key, replicationFactor);
      Set<String> participants = new LinkedHashSet<>(prefs);
      if (v.moving()) {
        participants.addAll(v.futureRing().preferenceList(key, replicationFactor));
      }
      int pending = 0;
      for (String n : participants) {
        if (!prefs.contains(n) || !v.serves(n)) {
          pending++;
        }
      }
      int needed = replicationFactor / 2 + 1 + pending;
      if (participants.size() < needed) {
        fail(String.format("compare-and-set needs %d replicas (a quorum of RF %d%s) but the cluster has only %d for this key",
            needed, replicationFactor, pending > 0 ? " and " + pending + " pending" : "", participants.size()));
        return;
      }
      List<String> who = new ArrayList<>(participants);
      Ballot ballot = new Ballot(clock.now(), v.selfId());
      metrics.cas("round.prepare");
      Ballot since = proposed.keySet().stream().min(Ballot::compareTo).orElse(Ballot.NONE);
      ask(who, needed, key, PaxosCall.prepare(key, ballot, since)).onComplete(ar -> {
        Phase prepare = ar.result();
        if (!prepare.reached()) {
          lost(prepare, "prepare");
          return;
        }
        // a replica still streaming its ranges may be behind, but its row counts like any other: the
        // newest row among the promises wins, and while coordinators disagree whether a join has
        // ended it may be the only promiser holding the last commit
        Promises.Outcome outcome = Promises.of(prepare.answers());
        if (outcome instanceof Promises.InProgress p) {
          finish(who, needed, ballot, p);
        } else {
          settled(who, needed, ballot, (Promises.Settled) outcome, prepare);
        }
      });
    }

    /** Another round's proposal may have been chosen: it is committed under this ballot before anything else. */
    private void finish(List<String> who, int needed, Ballot ballot, Promises.InProgress p) {
      metrics.cas("finished");
      log.trace(() -> "[CAS] " + key + ": finishing a proposal in progress (version " + p.row().version() + ")");
      proposeAndCommit(who, needed, ballot, p.row(), p.origin(), false, () -> {
        if (proposed.containsKey(p.origin())) {
          succeed(new Result(true, p.row()));
        } else {
          round();
        }
      });
    }

    /**
     * The key's state is settled. Promisers that missed the newest commit get it first, so a quorum
     * remembers it (and its origin) before anything else is decided; then this call learns the
     * fate of its own earlier proposals, and checks its condition.
     */
    private void settled(List<String> who, int needed, Ballot ballot, Promises.Settled settled, Phase prepare) {
      repairBehind(prepare, settled.current());
      if (settled.behind().isEmpty() || settled.committed().equals(Ballot.NONE)) {
        decide(who, needed, ballot, settled);
        return;
      }
      List<String> behind = new ArrayList<>();
      settled.behind().forEach(i -> behind.add(prepare.from().get(i)));
      Versioned row = settled.current() != null ? settled.current() : Versioned.tombstone(key, 1);
      metrics.cas("round.commit");
      ask(behind, behind.size(), key, PaxosCall.commit(settled.committed(), row, settled.committedOrigin())).onComplete(ar -> {
        if (ar.result().reached()) {
          decide(who, needed, ballot, settled);
        } else {
          lost(ar.result(), "commit of the last round");
        }
      });
    }

    private void decide(List<String> who, int needed, Ballot ballot, Promises.Settled settled) {
      Versioned current = settled.current();
      boolean unknown = false;
      for (var p : proposed.entrySet()) {
        Promises.Fate fate = settled.fate(p.getKey());
        if (fate == Promises.Fate.COMMITTED) {
          // chosen and committed, by this call or by a round that finished it; a plain write may have replaced it since
          succeed(new Result(true, p.getValue()));
          return;
        }
        unknown |= fate == Promises.Fate.UNKNOWN;
      }
      if (unknown) {
        fail("so many compare-and-sets followed this call's proposal that the replicas no longer remember whether it was committed");
        return;
      }
      if (condition == null) {
        metrics.cas("read");
        succeed(new Result(false, current));
        return;
      }
      if (!condition.holds(current, clock.wallMillis())) {
        if (proposed.isEmpty()) {
          metrics.cas("not_applied");
          succeed(new Result(false, current));
          return;
        }
        // none of this call's proposals was committed, but one may still be accepted somewhere and be
        // finished by a later round: the current row is committed again under this ballot, above it
        Versioned same = current != null ? current : Versioned.tombstone(key, 1);
        proposeAndCommit(who, needed, ballot, same, ballot, !waitForCommit, () -> {
          metrics.cas("not_applied");
          succeed(new Result(false, current));
        });
        return;
      }
      Versioned row = new Versioned(key, proposal.value(), Promises.versionFor(ballot, current), proposal.tombstone(),
          proposal.expiresAtMs());
      clock.observe(row.version());
      proposed.put(ballot, row);
      proposeAndCommit(who, needed, ballot, row, ballot, !waitForCommit, () -> succeed(new Result(true, row)));
    }

    /**
     * Proposes the row and commits it. {@code then} runs once the commit reached a quorum, or, when
     * {@code answerWhenChosen}, as soon as a quorum accepted the proposal: it is chosen then, and
     * durable on that quorum, so every later round finishes it if its commit is lost.
     */
    private void proposeAndCommit(List<String> who, int needed, Ballot ballot, Versioned row, Ballot origin, boolean answerWhenChosen,
                                  Runnable then) {
      metrics.cas("round.propose");
      ask(who, needed, key, PaxosCall.propose(ballot, row, origin)).onComplete(ar -> {
        Phase propose = ar.result();
        if (!propose.reached()) {
          if (propose.refusals() == who.size() && origin.equals(ballot)) {
            // every participant refused it: it is accepted nowhere, and can never be chosen
            proposed.remove(origin);
          }
          lost(propose, "propose");
          return;
        }
        metrics.cas("round.commit");
        ask(who, needed, key, PaxosCall.commit(ballot, row, origin)).onComplete(cr -> {
          Phase commit = cr.result();
          if (!commit.reached()) {
            // chosen (a quorum accepted it): the next round on this key commits it again
            log.trace(() -> "[CAS] " + key + ": commit acknowledged by " + commit.answers().size() + " of " + needed + ": "
                + String.join("; ", commit.failures()));
          }
          if (!answerWhenChosen) {
            then.run();
          }
        });
        if (answerWhenChosen) {
          then.run();
        }
      });
    }

    /** Replicas among the promisers whose row is older than the current one get it, as read repair would. */
    private void repairBehind(Phase prepare, Versioned current) {
      if (current == null) {
        return;
      }
      for (int i = 0; i < prepare.answers().size(); i++) {
        Versioned theirs = prepare.answers().get(i).current();
        String node = prepare.from().get(i);
        if (current.newerThan(theirs) && view.get().serves(node)) {
          metrics.readRepair();
          replicas.apply(node).write(current, false);
        }
      }
    }

    /** A round that did not reach its quorum: retried after a backoff when a higher ballot beat it, else failed. */
    private void lost(Phase phase, String step) {
      if (phase.refusals() > 0) {
        metrics.cas("contended");
        clock.observe(phase.highestPromised().micros());
        long wait = ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        timer.accept(Math.max(1, wait), this::round);
        return;
      }
      fail(step + " reached " + phase.answers().size() + " of " + phase.needed() + " replicas: " + String.join("; ", phase.failures()));
    }

    private void fail(String why) {
      metrics.cas("failed");
      String outcome = proposed.isEmpty() ? "nothing was written" : "the write may or may not have applied: read the key at SERIAL";
      done.tryFail(new ReplicationException("compare-and-set of '" + key + "' failed: " + why + "; " + outcome));
    }

    private void succeed(Result r) {
      if (r.applied()) {
        metrics.cas("applied");
      }
      done.tryComplete(r);
    }
  }

  /** A phase's outcome: the ok answers and who gave them; refusals (a higher ballot) and failures (errors, timeouts). */
  private record Phase(int needed, List<PaxosAnswer> answers, List<String> from, int refusals, Ballot highestPromised,
                       List<String> failures) {
    boolean reached() {
      return answers.size() >= needed;
    }
  }

  /**
   * Sends the call to every participant; completes (never fails) once {@code needed} said ok, or once
   * that can no longer happen. The answers are those in by then.
   */
  private Future<Phase> ask(List<String> who, int needed, String key, PaxosCall call) {
    Promise<Phase> out = Promise.promise();
    List<PaxosAnswer> oks = new ArrayList<>();
    List<String> from = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    int[] refusals = {0};
    Ballot[] highest = {Ballot.NONE};
    Runnable check = () -> {
      int noes = refusals[0] + failures.size();
      if (oks.size() >= needed || who.size() - noes < needed || oks.size() + noes == who.size()) {
        out.tryComplete(new Phase(needed, List.copyOf(oks), List.copyOf(from), refusals[0], highest[0], List.copyOf(failures)));
      }
    };
    for (String node : who) {
      Future<PaxosAnswer> answer;
      try {
        answer = replicas.apply(node).paxos(call);
      } catch (RuntimeException e) {
        answer = Future.failedFuture(e);
      }
      answer.onComplete(ar -> {
        if (ar.failed()) {
          failures.add(node + ": " + (ar.cause().getMessage() == null ? ar.cause().getClass().getSimpleName() : ar.cause().getMessage()));
        } else if (ar.result().ok()) {
          oks.add(ar.result());
          from.add(node);
        } else {
          refusals[0]++;
          highest[0] = Ballot.max(highest[0], ar.result().promised());
        }
        check.run();
      });
    }
    return out.future();
  }
}
