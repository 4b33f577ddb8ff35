package dev.multidb.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import dev.multidb.bench.chaos.ChaosRun.Applied;
import dev.multidb.bench.chaos.FaultPlan.Kind;
import dev.multidb.testkit.RedisServer;
import dev.multidb.testkit.TestCertificates;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;

/** The end-of-run checks. Each yields a {@link Check}: what was checked, how many, and what broke. */
final class Invariants {

    /** One invariant's verdict; {@code checked} counts the items looked at. */
    record Check(String number, String name, long checked, long violations, String detail) {
        boolean passed() {
            return violations == 0;
        }
    }

    private static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(1_500);
    private static final int EXAMPLES = 3;

    private final Ledger ledger;
    private final Map<String, ChaosDatabase> databases = new LinkedHashMap<>();
    private final List<Applied> faults;

    private final long begin;

    private final ApplicationWatch watch;

    private final TestCertificates certificates;

    Invariants(Ledger ledger, List<ChaosDatabase> databases, List<Applied> faults, long begin, ApplicationWatch watch,
            TestCertificates certificates) {
        this.ledger = ledger;
        this.certificates = certificates;
        this.watch = watch;
        this.begin = begin;
        databases.forEach(db -> this.databases.put(db.name(), db));
        this.faults = faults;
    }

    // ---------------------------------------------------------------- 1-4: the data

    List<Check> data() {
        RedisClient direct = ChaosDatabase.directClient(certificates);
        Map<RedisServer, StatefulRedisConnection<String, String>> connections = new HashMap<>();
        try {
            Reader reader = new Reader(direct, connections);
            List<Check> checks = new ArrayList<>();
            checks.add(writes(reader));
            checks.add(lateApplications());
            checks.add(new Check("1b", "a read of an own write on the database that acknowledged it returns it",
                    ledger.checkedReads.sum(), ledger.readMismatches.sum(), examples(ledger.readMismatchExamples)));
            checks.add(counters(reader));
            checks.add(transactions(reader));
            checks.add(pubSub());
            checks.add(jobs(reader));
            return checks;
        } finally {
            connections.values().forEach(StatefulRedisConnection::close);
            direct.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private Check writes(Reader reader) {
        List<Ledger.Write> all = List.copyOf(ledger.writes);
        Map<String, List<Ledger.Write>> byDb = all.stream().filter(w -> w.db() != null).collect(Collectors.groupingBy(Ledger.Write::db));
        List<Ledger.Write> unattributed = all.stream().filter(w -> w.db() == null).toList();
        long missing = 0;
        List<String> examples = new ArrayList<>();
        for (var entry : byDb.entrySet()) {
            List<Ledger.Write> writes = entry.getValue();
            List<String> values = reader.get(databases.get(entry.getKey()), writes.stream().map(Ledger.Write::key).toList());
            for (int i = 0; i < writes.size(); i++) {
                if (!writes.get(i).value().equals(values.get(i))) {
                    missing++;
                    example(examples, writes.get(i).key() + " acknowledged by " + entry.getKey() + " holds " + values.get(i));
                }
            }
        }
        Map<String, List<String>> everywhere = readEverywhere(reader, unattributed.stream().map(Ledger.Write::key).toList());
        for (int i = 0; i < unattributed.size(); i++) {
            Ledger.Write w = unattributed.get(i);
            int index = i;
            if (everywhere.values().stream().noneMatch(values -> w.value().equals(values.get(index)))) {
                missing++;
                example(examples, w.key() + " (across a switch) is on no database");
            }
        }
        return new Check("1", "every acknowledged write is on the database that acknowledged it", all.size(), missing,
                unattributed.size() + " written across a switch, found on some database" + (examples.isEmpty() ? "" : "; " + examples));
    }

    /**
     * How long after its acknowledgement a server's keyspace notification may still arrive for an
     * application that happened before it (the watch's own delivery): a late application comes
     * after a freeze or a held partition, seconds later.
     */
    private static final long LATE_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /**
     * No database applied an acknowledged write after the client acknowledged it (a late
     * application: in an Active-Active deployment it would overwrite newer writes). A write also
     * applied by a second database before the acknowledgement (a server that applied it and was
     * killed before answering, then the idempotent retry elsewhere) is counted for information.
     */
    private Check lateApplications() {
        List<Ledger.Write> all = List.copyOf(ledger.writes);
        long late = 0;
        long twiceBeforeAck = 0;
        List<String> examples = new ArrayList<>();
        for (Ledger.Write w : all) {
            Map<String, Long> appliedAt = watch.appliedAt(w.key());
            boolean lateHere = false;
            for (Map.Entry<String, Long> e : appliedAt.entrySet()) {
                boolean acknowledging = e.getKey().equals(w.db());
                if (!acknowledging && e.getValue() > w.ackNanos() + LATE_SLACK_NANOS) {
                    late++;
                    lateHere = true;
                    example(examples, w.key() + " acknowledged by " + (w.db() == null ? "(across a switch)" : w.db())
                            + " was applied by " + e.getKey() + " " + (e.getValue() - w.ackNanos()) / 1_000_000 + " ms after");
                }
            }
            if (appliedAt.size() > 1 && !lateHere) {
                twiceBeforeAck++;
            }
        }
        return new Check("1d", "no acknowledged write applied by a database after the client acknowledged it (late)", all.size(),
                late, twiceBeforeAck + " also applied by a second database before the acknowledgement (a server killed before"
                        + " answering, then the idempotent retry)" + (examples.isEmpty() ? "" : "; " + String.join("; ", examples)));
    }

    private Check counters(Reader reader) {
        List<Ledger.Incr> acked = List.copyOf(ledger.incrs);
        long violations = 0;
        List<String> notes = new ArrayList<>();
        for (int c = 0; c < Workload.COUNTERS; c++) {
            String counter = "cnt:" + c;
            Map<String, Long> finals = new LinkedHashMap<>();
            for (ChaosDatabase db : databases.values()) {
                String v = reader.get(db, List.of(counter)).get(0);
                finals.put(db.name(), v == null ? 0 : Long.parseLong(v));
            }
            List<Ledger.Incr> mine = acked.stream().filter(i -> i.counter().equals(counter)).toList();
            long unknown = ledger.incrUnknown.getOrDefault(counter, new LongAdder()).sum();
            long applied = finals.values().stream().mapToLong(Long::longValue).sum();
            if (applied > mine.size() + unknown) {
                violations++;
                example(notes, counter + ": applied " + applied + " > acknowledged " + mine.size() + " + unknown " + unknown);
            }
            Set<String> seen = new HashSet<>();
            Map<Long, Integer> ackedValues = new HashMap<>();
            for (Ledger.Incr incr : mine) {
                ackedValues.merge(incr.value(), 1, Integer::sum);
                if (incr.db() != null) {
                    if (!seen.add(incr.db() + "=" + incr.value())) {
                        violations++;
                        example(notes, counter + ": " + incr.value() + " acknowledged twice by " + incr.db());
                    }
                    if (incr.value() > finals.get(incr.db())) {
                        violations++;
                        example(notes, counter + ": " + incr.db() + " acknowledged " + incr.value() + " but holds " + finals.get(incr.db()));
                    }
                }
            }
            for (var entry : ackedValues.entrySet()) {
                long reached = finals.values().stream().filter(f -> f >= entry.getKey()).count();
                if (entry.getValue() > reached) {
                    violations++;
                    example(notes, counter + ": value " + entry.getKey() + " acknowledged " + entry.getValue() + " times, reached by "
                            + reached + " database(s)");
                }
            }
        }
        long unknownTotal = ledger.incrUnknown.values().stream().mapToLong(LongAdder::sum).sum();
        return new Check("2", "no INCR applied twice (applied ≤ acknowledged + unknown outcome; acknowledged values unique)",
                acked.size(), violations, unknownTotal + " with unknown outcome, " + ledger.incrRejected.sum() + " rejected unsent"
                        + (notes.isEmpty() ? "" : "; " + notes));
    }

    private Check transactions(Reader reader) {
        List<String> ids = List.copyOf(ledger.txAttempted);
        long violations = 0;
        List<String> notes = new ArrayList<>();
        Map<String, Set<String>> committedOn = new HashMap<>(); // id -> databases holding it
        for (int g = 0; g < Workload.TX_GROUPS; g++) {
            String group = Workload.txGroup(g);
            List<String> mine = ids.stream().filter(id -> id.startsWith(group)).toList();
            List<String> aKeys = mine.stream().map(id -> group + "a:" + id.substring(group.length())).toList();
            List<String> bKeys = mine.stream().map(id -> group + "b:" + id.substring(group.length())).toList();
            for (ChaosDatabase db : databases.values()) {
                List<String> a = reader.get(db, aKeys);
                List<String> b = reader.get(db, bKeys);
                long present = 0;
                for (int i = 0; i < mine.size(); i++) {
                    boolean hasA = mine.get(i).equals(a.get(i));
                    boolean hasB = mine.get(i).equals(b.get(i));
                    if (hasA != hasB || (a.get(i) != null && !hasA) || (b.get(i) != null && !hasB)) {
                        violations++;
                        example(notes, "transaction " + mine.get(i) + " is half applied on " + db.name());
                    }
                    if (hasA) {
                        present++;
                        committedOn.computeIfAbsent(mine.get(i), x -> new HashSet<>()).add(db.name());
                    }
                }
                // Every transaction of a group bumps the group's version under WATCH: they are serialised per database.
                String version = reader.get(db, List.of(group + "ver")).get(0);
                long v = version == null ? 0 : Long.parseLong(version);
                if (v != present) {
                    violations++;
                    example(notes, db.name() + ": " + group + "ver is " + v + " but " + present + " of its transactions are applied");
                }
            }
        }
        for (var acked : ledger.txAcked.entrySet()) {
            Set<String> on = committedOn.getOrDefault(acked.getKey(), Set.of());
            if (acked.getValue().isEmpty() ? on.isEmpty() : !on.contains(acked.getValue())) {
                violations++;
                example(notes, "acknowledged transaction " + acked.getKey() + " is not on " + (acked.getValue().isEmpty() ? "any database" : acked.getValue()));
            }
        }
        return new Check("3", "every transaction is all-or-nothing (and every acknowledged one is there)", ids.size(), violations,
                ledger.txAcked.size() + " acknowledged, " + ledger.txConflicts.sum() + " gave up on WATCH conflicts, "
                        + ledger.txUnknown.sum() + " unknown outcome, " + ledger.txFailed.sum() + " failed"
                        + (notes.isEmpty() ? "" : "; " + notes));
    }

    private Check pubSub() {
        List<long[]> windows = disruptionWindows();
        long duplicatesInside = 0;
        long lostInside = 0;
        long lostWithoutSubscriber = 0;
        long violations = 0;
        List<String> notes = new ArrayList<>();
        List<Ledger.Publish> published = List.copyOf(ledger.published);
        for (Ledger.Publish p : published) {
            List<Long> times = ledger.received.get(p.seq());
            int count = times == null ? 0 : times.size();
            boolean inside = overlaps(windows, p.startNanos(), p.endNanos());
            if (count > 1) {
                if (inside) {
                    duplicatesInside++;
                } else {
                    violations++;
                    example(notes, "message " + p.seq() + " delivered " + count + " times outside a switch window");
                }
            } else if (count == 0) {
                if (p.receivers() == 0) {
                    lostWithoutSubscriber++;
                }
                if (inside) {
                    lostInside++;
                } else {
                    violations++;
                    example(notes, "message " + p.seq() + " (reached " + p.receivers() + " subscriber(s) on " + p.db()
                            + ") lost outside a switch window");
                }
            }
        }
        return new Check("4", "Pub/Sub: no duplicate, no loss outside a switch or fault window", published.size(), violations,
                "inside windows: " + lostInside + " lost (" + lostWithoutSubscriber + " published where no subscriber was), "
                        + duplicatesInside + " duplicated" + (notes.isEmpty() ? "" : "; " + notes));
    }

    /** 1.5 s around every switch event, and around every fault on the active database (from its start to its heal). */
    private List<long[]> disruptionWindows() {
        List<long[]> windows = new ArrayList<>();
        for (Object[] s : ledger.switches) {
            long at = (Long) s[0];
            windows.add(new long[] { at - WINDOW_NANOS, at + WINDOW_NANOS });
        }
        for (Applied f : faults) {
            if (hitActive(f)) {
                // From before the fault too: a message published just before it may still be on its way
                // to the subscriber (through another node, in a cluster) when the connection goes.
                windows.add(new long[] { f.appliedNanos() - WINDOW_NANOS, f.healedNanos() + WINDOW_NANOS });
            }
        }
        return windows;
    }

    private static boolean overlaps(List<long[]> windows, long from, long to) {
        return windows.stream().anyMatch(w -> from <= w[1] && to >= w[0]);
    }

    private Check jobs(Reader reader) {
        Set<String> queued = new HashSet<>();
        for (ChaosDatabase db : databases.values()) {
            queued.addAll(reader.list(db, Workload.JOBS));
        }
        long duplicates = ledger.jobsPopped.values().stream().filter(n -> n.sum() > 1).count();
        long lost = ledger.jobsPushed.keySet().stream().filter(id -> !ledger.jobsPopped.containsKey(id) && !queued.contains(id)).count();
        long unknownPops = ledger.popUnknown.sum();
        long violations = duplicates + Math.max(0, lost - unknownPops);
        return new Check("1c", "BLPOP: no job consumed twice; every acknowledged job consumed or still queued", ledger.jobsPushed.size(),
                violations, ledger.jobsPopped.size() + " consumed, " + queued.size() + " still queued, " + lost
                        + " gone with a pop of unknown outcome (" + unknownPops + " such pops), " + duplicates + " consumed twice");
    }

    // ---------------------------------------------------------------- 5, 6: recovery and clean shutdown

    Check fallback(double fallbackMillis, Duration bound, String heaviest, String activeAtEnd) {
        boolean ok = !Double.isNaN(fallbackMillis) && heaviest.contains("'" + activeAtEnd + "'");
        return new Check("5", "after the last fault healed, back on the heaviest database within " + bound.toSeconds() + " s", 1,
                ok ? 0 : 1, (Double.isNaN(fallbackMillis) ? "not reached" : String.format(java.util.Locale.ROOT, "after %.0f ms", fallbackMillis))
                        + "; heaviest " + heaviest + ", active at the end '" + activeAtEnd + "'");
    }

    Check everyCallSucceeds(long fromNanos, String when) {
        List<Ledger.Call> after = ledger.calls.stream().filter(c -> c.startNanos() >= fromNanos).toList();
        List<Ledger.Call> failed = after.stream().filter(c -> !c.ok()).toList();
        return new Check("5b", "every call started " + when + " succeeds", after.size(), failed.size(),
                failed.stream().limit(EXAMPLES).map(this::describe).collect(Collectors.joining("; ")));
    }

    /**
     * Calls that failed outside the faults that could explain them. A fault explains a failure
     * from its start until {@code settle} after it healed, if it hit the active database (or every
     * database), or if it hit the database that served the call (the one the call was sent to: a
     * call still running on a database that traffic has just left, e.g. a BLPOP, ends with that
     * database's fault); a call that failed because no database was usable is also explained by a
     * fault on any database (the others may still have been in their grace period). A failure
     * anywhere else (a weight change, a fallback, a fault on a standby no call was on) is a bug.
     */
    Check noFailureOutsideFaults(Duration settle, long endNanos) {
        List<long[]> onActive = windows(this::hitActive, settle);
        List<long[]> any = windows(f -> true, settle);
        Map<String, List<long[]>> onServing = new HashMap<>();
        for (String db : databases.keySet()) {
            onServing.put(db, windows(f -> f.target().equals(db), settle));
        }
        // A call that was in flight when the fault began is the fault's too.
        List<Ledger.Call> failed = ledger.calls.stream().filter(c -> !c.ok()).toList();
        List<Ledger.Call> outside = failed.stream().filter(c -> !overlaps(unavailable(c) ? any : onActive, c.startNanos(), c.endNanos())
                && !overlaps(onServing.getOrDefault(String.valueOf(c.db()), List.of()), c.startNanos(), c.endNanos())).toList();
        long byServingOnly = failed.stream().filter(c -> !overlaps(unavailable(c) ? any : onActive, c.startNanos(), c.endNanos())
                && overlaps(onServing.getOrDefault(String.valueOf(c.db()), List.of()), c.startNanos(), c.endNanos())).count();
        return new Check("5c", "no call fails outside a fault that explains it (a fault on the active database, or on the "
                + "database that served the call, until " + settle.toSeconds() + " s after it healed)", ledger.calls.size(), outside.size(),
                String.format(java.util.Locale.ROOT, "those windows (active database) cover %.0f %% of the run; %d failure(s) "
                        + "explained only by a fault on the database that served the call", 100.0 * covered(onActive, endNanos) / (endNanos - begin),
                        byServingOnly)
                        + (outside.isEmpty() ? "" : "; " + outside.stream().limit(EXAMPLES).map(this::describe).collect(Collectors.joining("; "))));
    }

    private List<long[]> windows(java.util.function.Predicate<Applied> which, Duration settle) {
        return faults.stream().filter(f -> f.fault().kind() != Kind.ADD_DATABASE && f.fault().kind() != Kind.REMOVE_DATABASE)
                .filter(which).map(f -> new long[] { f.appliedNanos(), f.healedNanos() + settle.toNanos() }).toList();
    }

    /** The fault's target was active when it began, or traffic moved onto it while the fault was on. */
    private boolean hitActive(Applied f) {
        return f.hitActive() || ledger.switches.stream().anyMatch(s -> {
            long at = (Long) s[0];
            String[] change = String.valueOf(s[1]).split("->");
            return at >= f.appliedNanos() && at <= f.healedNanos() && change.length == 2
                    && change[1].startsWith(f.target() + " ");
        });
    }

    private static boolean unavailable(Ledger.Call c) {
        String error = String.valueOf(c.error());
        return error.startsWith("TemporaryUnavailableException") || error.startsWith("NoValidDatabaseException");
    }

    /** Nanoseconds of [begin, end] inside at least one window. */
    private long covered(List<long[]> windows, long end) {
        List<long[]> sorted = windows.stream().sorted(java.util.Comparator.comparingLong(w -> w[0])).toList();
        long total = 0;
        long reach = begin;
        for (long[] w : sorted) {
            long from = Math.max(w[0], reach);
            long to = Math.min(w[1], end);
            if (to > from) {
                total += to - from;
                reach = to;
            }
        }
        return total;
    }

    /**
     * A promotion inside a Sentinel group is not the database failing: while the group's master is replaced (from its
     * SIGKILL until the old master runs again, plus {@code settle}), traffic does not fail over away from the group.
     * Checked for every promotion while the group was the active database.
     */
    Check promotionsKeepTheDatabase(Duration settle) {
        long checked = 0;
        long violations = 0;
        List<String> examples = new ArrayList<>();
        for (Applied f : faults) {
            if (f.fault().kind() != Kind.PROMOTE || !f.hitActive()) {
                continue;
            }
            checked++;
            long until = f.healedNanos() + settle.toNanos();
            for (Object[] s : ledger.switches) {
                long at = (Long) s[0];
                String change = String.valueOf(s[1]);
                if (at >= f.appliedNanos() && at <= until && change.startsWith(f.target() + "->") && change.endsWith(" FAILOVER")) {
                    violations++;
                    example(examples, change + " " + (at - f.appliedNanos()) / 1_000_000 + " ms after the master's SIGKILL");
                    break;
                }
            }
        }
        long others = faults.stream().filter(f -> f.fault().kind() == Kind.PROMOTE && !f.hitActive()).count();
        return new Check("7", "a promotion inside the Sentinel group while it is active fails nothing over", checked, violations,
                others + " more promotion(s) while another database was active" + (examples.isEmpty() ? "" : "; " + examples));
    }

    /** Per fault: failed calls that started while it was on or within {@code settle} after it healed, by error. */
    String failuresDuring(Applied f, Duration settle) {
        Map<String, Integer> byError = new java.util.TreeMap<>();
        long until = f.healedNanos() + settle.toNanos();
        for (Applied next : faults) {
            if (next.appliedNanos() > f.appliedNanos() && next.fault().kind() != Kind.ADD_DATABASE && next.fault().kind() != Kind.REMOVE_DATABASE) {
                until = Math.min(until, next.appliedNanos()); // a later fault's failures are its own
            }
        }
        for (Ledger.Call c : ledger.calls) {
            // By when the call ended: one in flight when the next fault began ended because of that one.
            if (!c.ok() && c.endNanos() >= f.appliedNanos() && c.endNanos() < until) {
                String error = String.valueOf(c.error());
                byError.merge(error.substring(0, Math.min(error.length(), 60)), 1, Integer::sum);
            }
        }
        return byError.isEmpty() ? "0 failed" : byError.values().stream().mapToInt(Integer::intValue).sum() + " failed " + byError;
    }

    /**
     * The impact of the slow commands (a busy server is not a dead one): how many ran on the active database, during how
     * many of them traffic moved away from it (a switch away from that database between the script's start and 1 s
     * after it returned), the calls that failed (ended while it ran or within 1 s after), the longest call that started
     * while it ran.
     */
    String slowCommandImpact() {
        List<Applied> slow = faults.stream().filter(f -> f.fault().kind() == Kind.SLOW_COMMAND).toList();
        if (slow.isEmpty()) {
            return "no slow command in this run";
        }
        long onActive = slow.stream().filter(Applied::hitActive).count();
        int movedAway = 0;
        long failed = 0;
        long longest = 0;
        List<String> each = new ArrayList<>();
        for (Applied f : slow) {
            long until = f.healedNanos() + TimeUnit.SECONDS.toNanos(1);
            long switches = ledger.switches.stream().filter(s -> {
                long at = (Long) s[0];
                return at >= f.appliedNanos() && at <= until && String.valueOf(s[1]).startsWith(f.target() + "->");
            }).count();
            if (switches > 0) {
                movedAway++;
            }
            long failedHere = ledger.calls.stream().filter(c -> !c.ok() && c.endNanos() >= f.appliedNanos()
                    && c.endNanos() <= until).count();
            failed += failedHere;
            long longestHere = ledger.calls.stream().filter(c -> c.startNanos() >= f.appliedNanos() && c.startNanos() <= f.healedNanos()
                    && !c.op().equals("blpop")).mapToLong(c -> c.endNanos() - c.startNanos()).max().orElse(0);
            longest = Math.max(longest, longestHere);
            each.add(String.format(java.util.Locale.ROOT, "%s %d ms: %s, %d failed, longest call %d ms", f.target(),
                    fault(f).holdMillis(), switches > 0 ? "moved away" : "stayed", failedHere, longestHere / 1_000_000));
        }
        return String.format(java.util.Locale.ROOT, "%d slow command(s), %d on the active database; traffic moved away during %d; "
                + "%d call(s) failed during them; longest call started during one: %d ms (%s)", slow.size(), onActive, movedAway, failed,
                longest / 1_000_000, String.join("; ", each));
    }

    private static FaultPlan.Fault fault(Applied f) {
        return f.fault();
    }

    Check noThreadsOrSockets(Set<Thread> before, Set<String> socketsBefore, java.util.function.Supplier<Set<String>> sockets) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String leftovers;
        while (true) {
            List<String> threads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && !before.contains(t) && !harness(t.getName())).map(Thread::getName).sorted().toList();
            int connections = databases.values().stream().mapToInt(ChaosDatabase::openClientConnections).sum();
            Set<String> newSockets = new java.util.TreeSet<>(sockets.get());
            newSockets.removeAll(socketsBefore);
            // A Sentinel group's proxies (in this JVM) also carry the Sentinels' and the replicas' connections.
            newSockets = Sockets.without(newSockets, portsOf(ChaosDatabase::harnessProxyPorts), portsOf(ChaosDatabase::harnessServerPorts));
            leftovers = (threads.isEmpty() ? "" : "threads " + threads + " ") + (connections == 0 ? "" : connections + " connections ")
                    + (newSockets.isEmpty() ? "" : "new sockets in the JVM: " + Sockets.describe(newSockets));
            if (leftovers.isEmpty() || System.nanoTime() > deadline) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return new Check("6", "after close(): no thread, connection or socket left", 1, leftovers.isEmpty() ? 0 : 1,
                leftovers.isEmpty() ? "0 threads, 0 connections on every database, no socket the JVM did not have before (" + socketsBefore.size() + ")" : leftovers);
    }

    private Set<Integer> portsOf(java.util.function.Function<ChaosDatabase, Set<Integer>> ports) {
        Set<Integer> all = new HashSet<>();
        databases.values().forEach(db -> all.addAll(ports.apply(db)));
        return all;
    }

    /**
     * Threads of the soak itself and of the JDK's process handling, not the client's; and Reactor's shared
     * {@code parallel-N} scheduler (one daemon thread per core for the whole JVM, never per client), which Lettuce's
     * Sentinel lookup starts with its {@code timeout()}.
     */
    private static boolean harness(String name) {
        return name.startsWith("chaos-") || name.startsWith("faultproxy-") || name.equals("process reaper")
                || name.equals("Attach Listener") || name.matches("parallel-\\d+");
    }

    /**
     * Per fault: {kind ordinal, 1 if it hit the active database, ms from the fault to the first
     * success after it, ms from the start of the heal to that success}.
     */
    List<double[]> recoveries() {
        List<Ledger.Call> calls = ledger.calls.stream().filter(c -> c.ok() && !c.op().equals("blpop") && !c.op().equals("weight"))
                .sorted(java.util.Comparator.comparingLong(Ledger.Call::startNanos)).toList();
        List<double[]> out = new ArrayList<>();
        for (Applied f : faults) {
            if (f.fault().kind() == Kind.ADD_DATABASE || f.fault().kind() == Kind.REMOVE_DATABASE) {
                continue;
            }
            long firstEnd = calls.stream().filter(c -> c.startNanos() >= f.effectiveNanos()).mapToLong(Ledger.Call::endNanos).min().orElse(-1);
            out.add(new double[] { f.fault().kind().ordinal(), f.hitActive() ? 1 : 0,
                    firstEnd < 0 ? Double.NaN : (firstEnd - f.appliedNanos()) / 1e6,
                    firstEnd < 0 ? Double.NaN : (firstEnd - f.healingNanos()) / 1e6 });
        }
        return out;
    }

    private String describe(Ledger.Call c) {
        return String.format(java.util.Locale.ROOT, "%s at %.1f s on %s: %s", c.op(), (c.startNanos() - begin) / 1e9, c.db(), c.error());
    }

    private static void example(List<String> examples, String text) {
        if (examples.size() < EXAMPLES) {
            examples.add(text);
        }
    }

    private static String examples(java.util.Collection<String> all) {
        return all.stream().limit(EXAMPLES).collect(Collectors.joining("; "));
    }

    private Map<String, List<String>> readEverywhere(Reader reader, List<String> keys) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (ChaosDatabase db : databases.values()) {
            out.put(db.name(), reader.get(db, keys));
        }
        return out;
    }

    /** Reads straight from the servers (not through the proxies or the client), batched. */
    private static final class Reader {
        private final RedisClient client;
        private final Map<RedisServer, StatefulRedisConnection<String, String>> connections;

        Reader(RedisClient client, Map<RedisServer, StatefulRedisConnection<String, String>> connections) {
            this.client = client;
            this.connections = connections;
        }

        List<String> get(ChaosDatabase db, List<String> keys) {
            List<String> values = new ArrayList<>(keys.size());
            for (int from = 0; from < keys.size(); from += 1_000) {
                List<RedisFuture<String>> batch = new ArrayList<>();
                for (String key : keys.subList(from, Math.min(keys.size(), from + 1_000))) {
                    batch.add(connection(db, db.serverFor(key)).async().get(key));
                }
                if (!LettuceFutures.awaitAll(Duration.ofSeconds(30), batch.toArray(new RedisFuture[0]))) {
                    throw new IllegalStateException("reading from " + db.name() + " timed out");
                }
                for (RedisFuture<String> f : batch) {
                    values.add(f.toCompletableFuture().join());
                }
            }
            return values;
        }

        List<String> list(ChaosDatabase db, String key) {
            return connection(db, db.serverFor(key)).sync().lrange(key, 0, -1);
        }

        private StatefulRedisConnection<String, String> connection(ChaosDatabase db, RedisServer server) {
            return connections.computeIfAbsent(server, s -> client.connect(db.direct(s)));
        }
    }
}
