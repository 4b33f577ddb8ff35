package dev.multidb.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.AllDatabasesUnavailableEvent;
import dev.multidb.Database;
import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbConfig;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.bench.chaos.FaultPlan.Fault;
import dev.multidb.bench.chaos.FaultPlan.Kind;
import dev.multidb.testkit.TestCertificates;

/** One soak run of one variant: set up, load plus faults, heal, the end checks, tear down. */
final class ChaosRun {

    /** A fault as it happened. */
    record Applied(Fault fault, String target, boolean hitActive, long appliedNanos, long effectiveNanos, long healingNanos,
            long healedNanos) {
    }

    /** What the run measured, for the report. */
    record Outcome(String variant, long seed, Duration duration, List<Invariants.Check> checks, List<Applied> faults, List<String> failuresPerFault,
            List<double[]> recoveries, long operations, long failedCalls, int switches, long weightChanges,
            double fallbackMillis, Duration fallbackBound, String slowCommands) {

        boolean passed() {
            return checks.stream().allMatch(Invariants.Check::passed);
        }
    }

    static final Duration GRACE_PERIOD = Duration.ofSeconds(5);
    static final Duration FALLBACK_INTERVAL = Duration.ofSeconds(10);
    static final Duration SENTINEL_BUSY_BUDGET = Duration.ofSeconds(8);
    private static final Duration CLEAN_WINDOW = Duration.ofSeconds(5);
    /** After a fault heals, calls may fail until a health check has seen the database again. */
    static final Duration SETTLE = MultiDbConfig.DEFAULT_HEALTH_CHECK_INTERVAL.plusSeconds(1);

    /** What the member databases are. */
    enum Topology {
        STANDALONE, CLUSTER,
        /** TLS with client certificates and an ACL user; the first (heaviest) database is a Sentinel group (ACL, no TLS). */
        SECURED;

        static Topology of(String id) {
            return switch (id) {
                case "standalone" -> STANDALONE;
                case "cluster" -> CLUSTER;
                case "secured" -> SECURED;
                default -> throw new IllegalArgumentException("a variant is standalone-N, cluster-N or secured-N, not '" + id + "-N'");
            };
        }
    }

    private final String variant;
    private final Topology topology;
    private TestCertificates certificates;
    private final int databases;
    private final Duration duration;
    private final long seed;
    private final int workers;
    private final int rate;
    private final List<ChaosDatabase> members = new CopyOnWriteArrayList<>();
    private final List<ChaosDatabase> everyDatabase = new ArrayList<>();
    private final Ledger ledger = new Ledger();
    private final Random weights;
    private ChaosClient client;
    private volatile boolean faultsOver;
    private Workload workload;
    private ApplicationWatch watch;

    ChaosRun(String variant, Topology topology, int databases, Duration duration, long seed, int workers, int rate) {
        this.variant = variant;
        this.topology = topology;
        this.databases = databases;
        this.duration = duration;
        this.seed = seed;
        this.workers = workers;
        this.rate = rate;
        this.weights = new Random(seed ^ 0x5eed);
    }

    Outcome run() throws Exception {
        log("starting %d %s database(s) and a spare", databases, topology.name().toLowerCase(java.util.Locale.ROOT));
        try {
            if (topology == Topology.SECURED) {
                certificates = TestCertificates.create();
            }
            for (int i = 0; i < databases; i++) {
                everyDatabase.add(start("db" + i));
            }
            everyDatabase.add(start("db" + databases));
            members.addAll(everyDatabase.subList(0, databases));
            return load(everyDatabase.get(databases));
        } finally {
            // Whatever happened: no load thread, client, server or proxy outlives the run.
            if (workload != null) {
                workload.halt();
            }
            if (client != null) {
                client.close();
            }
            if (watch != null) {
                watch.close();
            }
            everyDatabase.forEach(ChaosDatabase::close);
            if (certificates != null) {
                certificates.close();
            }
        }
    }

    private Outcome load(ChaosDatabase spare) throws Exception {
        double[] initialWeights = { 1.0, 0.6, 0.3 };
        watch = new ApplicationWatch(everyDatabase, certificates); // before the leak baseline: its threads and sockets are the soak's
        Set<Thread> threadsBefore = Set.copyOf(Thread.getAllStackTraces().keySet());
        Set<String> socketsBefore = Sockets.open();

        MultiDbConfig.Builder config = MultiDbConfig.builder().autoFallbackInterval(FALLBACK_INTERVAL);
        if (topology == Topology.SECURED) {
            // The README's advice for Sentinel members: above the Sentinels' down-after (3 s) plus a promotion.
            config.busyBudget(SENTINEL_BUSY_BUDGET);
        }
        for (int i = 0; i < databases; i++) {
            config.database(databaseConfig(members.get(i), initialWeights[i]));
        }
        client = ChaosClient.create(config.build(), topology == Topology.CLUSTER);
        client.endpoint().addListener(ActiveDatabaseChangedEvent.class, e -> ledger.switches.add(new Object[] { System.nanoTime(),
                (e.oldDatabase() == null ? "none" : e.oldDatabase().name()) + "->" + e.newDatabase().name() + " " + e.reason() }));
        client.endpoint().addListener(AllDatabasesUnavailableEvent.class, e -> ledger.switches.add(new Object[] { System.nanoTime(), "all unavailable" }));

        Workload load = new Workload(client, ledger, workers, rate, seed, this::changeAWeight);
        workload = load;
        List<Fault> plan = FaultPlan.draw(seed, duration, members.stream().anyMatch(ChaosDatabase::promotes));
        List<Applied> applied = new ArrayList<>();
        load.start();
        long begin = System.nanoTime();
        log("load running: %d workers at %d ops/s each, %d faults planned over %d s", workers, rate, plan.size(), duration.toSeconds());
        for (Fault fault : plan) {
            sleepUntil(begin + TimeUnit.MILLISECONDS.toNanos(fault.atMillis()));
            applied.add(apply(fault, spare));
        }
        long lastHeal = applied.stream().mapToLong(Applied::healedNanos).max().orElse(begin);
        synchronized (weights) { // waits for a weight change in flight
            faultsOver = true; // weights stay put from here: "the heaviest database" must not move under the check
        }

        // Invariant 5: back on the heaviest database within the bound, then a clean window.
        Duration bound = GRACE_PERIOD.plus(MultiDbConfig.DEFAULT_HEALTH_CHECK_INTERVAL).plus(FALLBACK_INTERVAL).plus(Duration.ofSeconds(2));
        long fallbackAt = awaitTrue(this::onHeaviest, lastHeal + bound.toNanos());
        double fallbackMillis = fallbackAt < 0 ? Double.NaN : Math.max(0, (fallbackAt - lastHeal) / 1e6);
        sleepUntil(Math.max(begin + duration.toNanos(), System.nanoTime() + CLEAN_WINDOW.toNanos()));
        String heaviest = heaviestNames();
        Database last = client.endpoint().activeDatabase();
        String activeAtEnd = last == null ? "none" : last.name() + (onHeaviest() ? "" : " (circuit " + last.circuitState() + ")");
        load.stopWorkers();
        long stopped = System.nanoTime();
        awaitQuietSubscriber();
        load.closeSubscriber();
        log("load stopped after %d operations; closing the client", load.operations.sum());

        client.close();
        watch.close(); // what it heard stays; its threads and sockets must not count as the client's
        Invariants invariants = new Invariants(ledger, everyDatabase, applied, begin, watch, certificates);
        List<Invariants.Check> checks = new ArrayList<>();
        checks.add(invariants.fallback(fallbackMillis, bound, heaviest, activeAtEnd));
        checks.add(invariants.everyCallSucceeds(fallbackAt < 0 ? lastHeal : fallbackAt, "once back on the heaviest database"));
        checks.add(invariants.noFailureOutsideFaults(SETTLE, stopped));
        checks.add(invariants.noThreadsOrSockets(threadsBefore, socketsBefore, Sockets::open));
        if (applied.stream().anyMatch(f -> f.fault().kind() == Kind.PROMOTE)) {
            checks.add(invariants.promotionsKeepTheDatabase(SETTLE));
        }
        log("checking the data on every database");
        checks.addAll(0, invariants.data());

        List<double[]> recoveries = invariants.recoveries();
        List<String> failuresPerFault = applied.stream().map(f -> invariants.failuresDuring(f, SETTLE)).toList();
        long failed = ledger.calls.stream().filter(c -> !c.ok()).count();
        return new Outcome(variant, seed, duration, checks, applied, failuresPerFault, recoveries, load.operations.sum(), failed,
                ledger.switches.size(), ledger.weightChanges.sum(), fallbackMillis, bound, invariants.slowCommandImpact());
    }

    private ChaosDatabase start(String name) {
        return switch (topology) {
            case STANDALONE -> ChaosDatabase.standalone(name);
            case CLUSTER -> ChaosDatabase.cluster(name);
            case SECURED -> name.equals("db0") ? ChaosDatabase.sentinelGroup(name) : ChaosDatabase.secured(name, certificates);
        };
    }

    private DatabaseConfig databaseConfig(ChaosDatabase db, double weight) {
        return db.config().name(db.name()).weight(weight).gracePeriod(GRACE_PERIOD).build();
    }

    private Applied apply(Fault fault, ChaosDatabase spare) throws InterruptedException {
        Database active = client.endpoint().activeDatabase();
        ChaosDatabase target = fault.kind() == Kind.ADD_DATABASE ? spare : members.get(fault.target() % members.size());
        if (fault.kind() == Kind.PROMOTE) {
            target = members.stream().filter(ChaosDatabase::promotes).findFirst().orElseThrow();
        }
        if (fault.kind() == Kind.REMOVE_DATABASE && target.promotes()) {
            // The Sentinel group stays a member, so that promotions keep coming after the removal.
            ChaosDatabase keep = target;
            target = members.stream().filter(m -> m != keep).reduce((a, b) -> b).orElseThrow();
        }
        if (fault.kind() == Kind.SLOW_COMMAND && active != null) {
            target = members.stream().filter(m -> m.name().equals(active.name())).findFirst().orElse(target);
        }
        boolean hitActive = fault.kind() == Kind.ALL_DOWN || (active != null && active.name().equals(target.name()));
        long hold = TimeUnit.MILLISECONDS.toNanos(fault.holdMillis());
        long at = System.nanoTime();
        long[] effective = { at };
        long[] healing = { 0 };
        Runnable inEffect = () -> effective[0] = System.nanoTime();
        switch (fault.kind()) {
            case KILL -> {
                target.kill();
                inEffect.run();
                sleepUntil(at + hold);
                target.restart();
            }
            case FREEZE -> {
                target.freeze();
                inEffect.run();
                sleepUntil(at + hold);
                target.thaw();
            }
            case BLACKHOLE -> {
                target.blackhole(true);
                inEffect.run();
                sleepUntil(at + hold);
                target.blackhole(false);
            }
            case LATENCY -> {
                target.latency(Duration.ofMillis(fault.param()));
                inEffect.run();
                sleepUntil(at + hold);
                target.latency(Duration.ZERO);
            }
            case RESET -> {
                target.resetConnections();
                inEffect.run();
            }
            case PROMOTE -> log("promote %s: %s", target.name(), target.promote(inEffect));
            case SLOW_COMMAND -> {
                List<Thread> scripts = target.busy(Duration.ofMillis(fault.holdMillis()));
                effective[0] = target.awaitBusy(); // the script is running: a PING sent then goes unanswered
                for (Thread script : scripts) {
                    script.join(fault.holdMillis() + 10_000);
                }
            }
            case FLAP -> {
                boolean down = false;
                while (System.nanoTime() - at < hold) {
                    down = !down;
                    target.blackhole(down);
                    if (effective[0] == at) {
                        inEffect.run();
                    }
                    TimeUnit.MILLISECONDS.sleep(down ? 400 : 700);
                }
                target.blackhole(false);
            }
            case ALL_DOWN -> {
                List<ChaosDatabase> all = List.copyOf(members);
                all.forEach(db -> {
                    if (fault.param() == 0) {
                        db.kill();
                    } else {
                        db.blackhole(true);
                    }
                });
                inEffect.run();
                sleepUntil(at + hold);
                healing[0] = System.nanoTime(); // restarting them one after another takes a while
                all.forEach(ChaosDatabase::heal);
            }
            case ADD_DATABASE -> {
                double weight = 0.8;
                client.endpoint().addDatabase(databaseConfig(target, weight));
                members.add(target);
            }
            case REMOVE_DATABASE -> remove(target);
        }
        long healed = System.nanoTime();
        if (healing[0] == 0) {
            healing[0] = healed;
        }
        log("%-15s %-4s%s held %5d ms", fault.kind().id(), target.name(), hitActive ? " (active)" : "         ",
                TimeUnit.NANOSECONDS.toMillis(healed - at));
        return new Applied(fault, target.name(), hitActive, at, effective[0], healing[0], healed);
    }

    /** Removes {@code target} from the client; while it is the only usable database that is refused, so try again. */
    private void remove(ChaosDatabase target) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Database handle = client.endpoint().databases().stream().filter(d -> d.name().equals(target.name())).findFirst().orElseThrow();
        while (true) {
            try {
                client.endpoint().removeDatabase(handle);
                members.remove(target);
                return;
            } catch (NoValidDatabaseException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                TimeUnit.MILLISECONDS.sleep(200); // the other databases are still recovering from an earlier fault
            }
        }
    }

    /** Worker 0 calls this now and then; it runs under the lock that ends the chaos, so none is in flight after it. */
    private void changeAWeight() {
        synchronized (weights) {
            if (faultsOver) {
                return;
            }
            List<Database> dbs = client.endpoint().databases();
            Database db = dbs.get(weights.nextInt(dbs.size()));
            double weight = 0.2 + Math.round(weights.nextDouble() * 80) / 100.0;
            client.endpoint().updateDatabaseWeight(db, weight);
        }
    }

    /**
     * On the heaviest database, and there to stay: its circuit is closed. (A database that answers
     * while none is usable takes the traffic during its grace period, until a closed one is found.)
     */
    private boolean onHeaviest() {
        Database active = client.endpoint().activeDatabase();
        return active != null && active.circuitState() == dev.multidb.circuit.CircuitState.CLOSED
                && heaviestNames().contains("'" + active.name() + "'");
    }

    private String heaviestNames() {
        List<Database> dbs = client.endpoint().databases();
        double max = dbs.stream().mapToDouble(Database::weight).max().orElse(0);
        return dbs.stream().filter(d -> d.weight() == max).map(d -> "'" + d.name() + "'").collect(Collectors.joining(", "));
    }

    /** Lets the last published messages arrive: waits (at most 5 s) until nothing new came for half a second. */
    private void awaitQuietSubscriber() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int seen = -1;
        while (System.nanoTime() < deadline && seen != ledger.received.size()) {
            seen = ledger.received.size();
            TimeUnit.MILLISECONDS.sleep(500);
        }
    }

    /** Polls {@code condition} until it holds (returns the time it did) or the deadline passes (returns -1). */
    static long awaitTrue(BooleanSupplier condition, long deadlineNanos) throws InterruptedException {
        while (true) {
            if (condition.getAsBoolean()) {
                return System.nanoTime();
            }
            if (System.nanoTime() > deadlineNanos) {
                return -1;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    static void sleepUntil(long deadline) throws InterruptedException {
        long wait;
        while ((wait = deadline - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private void log(String format, Object... args) {
        System.err.printf("[%s] %s%n", variant, String.format(format, args));
    }

    static Comparator<double[]> byFirst() {
        return Comparator.comparingDouble(a -> a[0]);
    }
}
