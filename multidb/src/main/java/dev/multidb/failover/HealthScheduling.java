package dev.multidb.failover;

import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

import dev.multidb.CircuitStateChangedEvent;
import dev.multidb.HealthStatusChangedEvent;
import dev.multidb.MultiDbEvent;
import dev.multidb.circuit.CircuitBreaker;
import dev.multidb.circuit.CircuitState;
import dev.multidb.health.HealthResult;

/**
 * Health checks and what they do to circuits: the periodic checks of every member, the immediate
 * ("suspect") checks asked for by the command path and the stall watch, and the circuit
 * transitions (including the grace timer) that results and failure-detector trips cause. After
 * every change it asks the switching logic to look again ({@code reevaluate}); a failed check is
 * also reported on its own ({@code failed}), as it ends a manual choice.
 *
 * <p>Runs on the coordinator thread only, like every part of the failover machinery.
 */
final class HealthScheduling<D extends ManagedDatabase> {

    private static final System.Logger LOG = System.getLogger(HealthScheduling.class.getName());

    /** Per database: orders its runs so a stale result never overwrites a newer one, and debounces suspicion. */
    private static final class Runs {
        long started;
        long lastApplied;
        boolean suspectInFlight;
        ScheduledFuture<?> periodic;
    }

    private final Coordinator coordinator;
    private final HealthProbe<D> probe;
    private final long intervalNanos;
    private final RandomGenerator random;
    private final Consumer<MultiDbEvent> events;
    private final Predicate<D> isMember;
    private final Supplier<D> active;
    private final Runnable reevaluate;
    private final Consumer<D> failed;
    private final Map<D, Runs> runs = new ConcurrentHashMap<>();

    HealthScheduling(Coordinator coordinator, HealthProbe<D> probe, long intervalNanos, RandomGenerator random,
            Consumer<MultiDbEvent> events, Predicate<D> isMember, Supplier<D> active, Runnable reevaluate, Consumer<D> failed) {
        this.coordinator = coordinator;
        this.probe = probe;
        this.intervalNanos = intervalNanos;
        this.random = random;
        this.events = events;
        this.isMember = isMember;
        this.active = active;
        this.reevaluate = reevaluate;
        this.failed = failed;
    }

    /** Starts the periodic checks of {@code db}. */
    void schedule(D db) {
        // Spread the databases over the interval so their probes do not all fire at once.
        long offset = random.nextLong(intervalNanos);
        runsOf(db).periodic = coordinator.scheduleAtFixedRate(() -> check(db, false, false), offset, intervalNanos);
    }

    /** Stops the checks of a removed database; results still on their way are ignored. */
    void forget(D db) {
        Runs gone = runs.remove(db);
        if (gone != null && gone.periodic != null) {
            gone.periodic.cancel(false);
        }
    }

    /** Whether {@code db} has its periodic checks scheduled (for the tests' no-lost-timer invariant). */
    boolean scheduled(D db) {
        Runs r = runs.get(db);
        return r != null && r.periodic != null && !r.periodic.isCancelled();
    }

    /** Something on {@code db} looks wrong: check it now. Debounced: one such check at a time. */
    void suspect(D db) {
        if (!suspectInFlight(db) && isMember.test(db)) {
            check(db, true, false);
        }
    }

    boolean suspectInFlight(D db) {
        Runs r = runs.get(db);
        return r != null && r.suspectInFlight;
    }

    /** The failure detector tripped for {@code db}: its circuit opens now, its health check decides the rest. */
    void tripped(D db) {
        LOG.log(Level.WARNING, "failure detector tripped for database '" + db.name() + "'");
        applyCircuit(db, db.circuit().onFailure());
        reevaluate.run();
    }

    /** Runs a check of {@code db} and applies its result on the coordinator. */
    void check(D db, boolean suspect, boolean oneProbe) {
        Runs r = runsOf(db);
        long run = ++r.started;
        if (suspect) {
            r.suspectInFlight = true;
        }
        probe.check(db, oneProbe).whenComplete((result, error) -> coordinator.execute(() -> {
            if (suspect) {
                r.suspectInFlight = false;
            }
            if (error == null) {
                apply(db, r, run, result);
            } // else: the client is closing
        }));
    }

    /** The check that {@link #add} waits for: it applies like any other and completes with the result. */
    CompletableFuture<HealthResult> firstCheck(D db) {
        Runs r = runsOf(db);
        long run = ++r.started;
        CompletableFuture<HealthResult> applied = new CompletableFuture<>();
        probe.check(db, false).whenComplete((result, error) -> coordinator.execute(() -> {
            if (error != null) {
                applied.completeExceptionally(error);
                return;
            }
            apply(db, r, run, result);
            applied.complete(result);
        }));
        return applied;
    }

    private void apply(D db, Runs r, long run, HealthResult result) {
        if (run < r.lastApplied || !isMember.test(db)) {
            return; // a newer run already spoke, or the database is gone
        }
        r.lastApplied = run;
        boolean was = db.isHealthy();
        db.setHealthy(result.healthy(), result.latencyNanos());
        db.setLastFailure(result.healthy() ? null : result.cause());
        if (was != result.healthy()) {
            LOG.log(result.healthy() ? Level.INFO : Level.WARNING, "database '" + db.name() + "' is "
                    + (result.healthy() ? "healthy" : "unhealthy: " + result.cause()));
            events.accept(new HealthStatusChangedEvent(db, result.healthy(), result.cause()));
        }
        if (!result.healthy()) {
            failed.accept(db);
        }
        CircuitBreaker circuit = db.circuit();
        applyCircuit(db, result.healthy() ? circuit.onHealthy() : circuit.onFailure());
        if (result.healthy() && db != active.get() && !db.hasCommandConnection()) {
            db.prepareForTraffic().exceptionally(e -> null); // warm it before traffic may move there
        }
        reevaluate.run();
    }

    /** Publishes a circuit change and starts what follows from it (the grace timer, a fresh detector). */
    void applyCircuit(D db, CircuitBreaker.Transition transition) {
        if (transition == null) {
            return;
        }
        events.accept(new CircuitStateChangedEvent(db, transition.from(), transition.to()));
        if (transition.to() == CircuitState.OPEN) {
            coordinator.schedule(db.circuit().graceEndsAtNanos() - coordinator.now(), () -> graceOver(db));
        } else if (transition.to() == CircuitState.CLOSED) {
            db.resetTrackers();
        }
    }

    private void graceOver(D db) {
        CircuitBreaker.Transition transition = db.circuit().onGraceTimer();
        if (transition != null) {
            applyCircuit(db, transition);
            if (isMember.test(db)) {
                check(db, false, false); // the next check decides: no need to wait for the interval
            }
        }
    }

    private Runs runsOf(D db) {
        return runs.computeIfAbsent(db, ignored -> new Runs());
    }
}
