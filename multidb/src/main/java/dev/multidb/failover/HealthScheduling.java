package dev.multidb.failover;

import java.time.Duration;
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
import dev.multidb.health.ServerBusyException;

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
        /** When the server was first found busy (acknowledging, not answering); 0 while it answers. */
        long busySinceNanos;
        /** Whether a verdict was applied yet: the first one is published even when it says "unhealthy". */
        boolean judged;
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
    private final long busyBudgetNanos;

    HealthScheduling(Coordinator coordinator, HealthProbe<D> probe, long intervalNanos, long busyBudgetNanos,
            RandomGenerator random, Consumer<MultiDbEvent> events, Predicate<D> isMember, Supplier<D> active,
            Runnable reevaluate, Consumer<D> failed) {
        this.coordinator = coordinator;
        this.busyBudgetNanos = busyBudgetNanos;
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

    /**
     * The failure detector tripped for {@code db}: its circuit opens now, its health check decides
     * the rest. Not while the server is busy within its budget: the timeouts that tripped it are
     * what a busy server causes, and the budget decides when busy has lasted too long.
     */
    void tripped(D db) {
        if (busyWithinBudget(db)) {
            LOG.log(Level.INFO, "failure detector tripped for database '" + db.name() + "', which is busy within its"
                    + " busy budget: no failover yet");
            return;
        }
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
        if (result.busy()) {
            if (tolerateBusy(db, r)) {
                return;
            }
            result = new HealthResult(false, -1, new ServerBusyException("database '" + db.name() + "' has been busy"
                    + " (acknowledging, not answering) for longer than the busy budget of "
                    + Duration.ofNanos(busyBudgetNanos).toMillis() + " ms: " + result.cause().getMessage()), true);
        } else if (r.busySinceNanos != 0) {
            r.busySinceNanos = 0;
            db.setServerBusy(false);
            LOG.log(Level.INFO, "database '" + db.name() + "' answers again after being busy");
        }
        boolean was = db.isHealthy();
        boolean first = !r.judged;
        r.judged = true;
        db.setHealthy(result.healthy(), result.latencyNanos());
        db.setLastFailure(result.healthy() ? null : result.cause());
        // A database starts "not healthy" before any check: its first failed check is news too (a wrong password
        // or certificate would otherwise never show in events and logs, only in the status).
        if (was != result.healthy() || first && !result.healthy()) {
            LOG.log(result.healthy() ? Level.INFO : Level.WARNING, "database '" + db.name() + "' is "
                    + (result.healthy() ? "healthy" : "unhealthy: " + result.cause()));
            events.accept(new HealthStatusChangedEvent(db.view(), result.healthy(), result.cause()));
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
        events.accept(new CircuitStateChangedEvent(db.view(), transition.from(), transition.to()));
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

    /**
     * A busy verdict within the budget changes nothing but is remembered; a check follows soon, so
     * that the end of the budget is noticed without waiting for the periodic interval.
     *
     * @return whether it was tolerated
     */
    private boolean tolerateBusy(D db, Runs r) {
        long now = coordinator.now();
        if (r.busySinceNanos == 0) {
            r.busySinceNanos = now;
            db.setServerBusy(true);
            LOG.log(Level.WARNING, "database '" + db.name() + "' is busy: it acknowledges health probes but does not"
                    + " answer them; tolerated for " + Duration.ofNanos(busyBudgetNanos).toMillis() + " ms");
        }
        long left = busyBudgetNanos - (now - r.busySinceNanos);
        if (left <= 0) {
            return false;
        }
        coordinator.schedule(Math.min(left, intervalNanos), () -> {
            if (isMember.test(db)) {
                suspect(db);
            }
        });
        return true;
    }

    /** Whether {@code db} was found busy and its busy budget is not spent yet. */
    private boolean busyWithinBudget(D db) {
        Runs r = runs.get(db);
        return r != null && r.busySinceNanos != 0 && coordinator.now() - r.busySinceNanos < busyBudgetNanos;
    }

    private Runs runsOf(D db) {
        return runs.computeIfAbsent(db, ignored -> new Runs());
    }
}
