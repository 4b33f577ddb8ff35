package dev.multidb.failover;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.AllDatabasesUnavailableEvent;
import dev.multidb.CircuitStateChangedEvent;
import dev.multidb.Database;
import dev.multidb.HealthStatusChangedEvent;
import dev.multidb.MultiDbConfig;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.SwitchReason;
import dev.multidb.TemporaryUnavailableException;
import dev.multidb.circuit.CircuitBreaker;
import dev.multidb.circuit.CircuitState;
import dev.multidb.database.DatabaseRuntime;
import dev.multidb.event.EventBus;
import dev.multidb.health.HealthCheckRunner;
import dev.multidb.health.HealthResult;

/**
 * Decides which database carries the traffic. Health results, circuit changes, failure-detector
 * trips, stalls, timers and manual requests all arrive here and are handled on one thread, the
 * coordinator, so the decisions need no locks; the command path only reads {@link #active()}.
 */
public final class FailoverController<K, V> {

    private static final System.Logger LOG = System.getLogger(FailoverController.class.getName());
    private static final long WATCHDOG_TICK_MILLIS = 25;

    private final MultiDbConfig config;
    private final ScheduledExecutorService coordinator;
    private final HealthCheckRunner healthChecks;
    private final EventBus events;
    private final LongSupplier nanoClock;
    private final List<DatabaseRuntime<K, V>> databases = new CopyOnWriteArrayList<>();
    private final long unavailableWindowNanos;

    private static final long UNAVAILABLE_RECHECK_MILLIS = 500;
    private static final long REMOVAL_DRAIN_POLL_MILLIS = 20;
    /** Removed databases not closed yet because a command is still in flight there; the client's close() closes them. */
    private final java.util.Set<DatabaseRuntime<K, V>> draining = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Whether the {@link #recheckWhileUnavailable()} loop runs (coordinator thread only). */
    private boolean rechecking;

    private volatile DatabaseRuntime<K, V> active;
    /**
     * Incremented right after every write of {@link #active} (by one thread at a time: the creating
     * thread at start-up, the coordinator after that), so a reader
     * that sees the same count before and after a call knows {@code active} did not change in between.
     */
    private volatile long activeChanges;
    private volatile long unavailableSinceNanos;
    /** The database a switch is preparing, so a second reason does not start a second switch. */
    private DatabaseRuntime<K, V> switching;
    private long switchGeneration;
    private CompletableFuture<Void> switchingDone;
    /** Set by a manual switch: auto fallback does not move away from it while it is healthy. */
    private DatabaseRuntime<K, V> pinned;

    /** Told (on the coordinator thread) after every change of the active database. */
    private final List<SwitchListener<K, V>> switchListeners = new CopyOnWriteArrayList<>();

    // Stall watchdog state (coordinator thread only).
    private DatabaseRuntime<K, V> watched;
    private long watchedCompleted;
    private long stallSinceNanos;
    private boolean stallReported;

    public FailoverController(MultiDbConfig config, ScheduledExecutorService coordinator, HealthCheckRunner healthChecks,
            EventBus events, LongSupplier nanoClock) {
        this.config = config;
        this.coordinator = coordinator;
        this.healthChecks = healthChecks;
        this.events = events;
        this.nanoClock = nanoClock;
        this.unavailableWindowNanos = config.failoverDelay().toNanos() * config.failoverAttempts();
    }

    /** Internal hook for components that follow the active database (Pub/Sub). */
    @FunctionalInterface
    public interface SwitchListener<K, V> {
        /** Runs on the coordinator thread: must not block. {@code newActive} may be {@code null}. */
        void activeChanged(DatabaseRuntime<K, V> oldActive, DatabaseRuntime<K, V> newActive);
    }

    public void addSwitchListener(SwitchListener<K, V> listener) {
        switchListeners.add(listener);
    }

    public void removeSwitchListener(SwitchListener<K, V> listener) {
        switchListeners.remove(listener);
    }

    private void notifySwitch(DatabaseRuntime<K, V> oldActive, DatabaseRuntime<K, V> newActive) {
        for (SwitchListener<K, V> listener : switchListeners) {
            try {
                listener.activeChanged(oldActive, newActive);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "switch listener failed", e);
            }
        }
    }

    /** Runs {@code task} on the coordinator thread after {@code delay}; nothing once the client is closed. */
    public void schedule(Duration delay, Runnable task) {
        try {
            coordinator.schedule(() -> executeOnCoordinator(task), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // The client is closing.
        }
    }

    /** Runs {@code task} on the coordinator thread. */
    public void execute(Runnable task) {
        executeOnCoordinator(task);
    }

    public List<DatabaseRuntime<K, V>> databases() {
        return databases;
    }

    /** The active database, or {@code null} when none is usable. */
    public DatabaseRuntime<K, V> active() {
        return active;
    }

    /** Removed databases still finishing their last commands. */
    public java.util.Set<DatabaseRuntime<K, V>> draining() {
        return draining;
    }

    /** How many times {@link #active()} has changed; see {@code MultiDbClient.activeDatabaseChanges()}. */
    public long activeChanges() {
        return activeChanges;
    }

    /** Hot path: the active database, or the exception that says why there is none. */
    public DatabaseRuntime<K, V> activeOrThrow() {
        DatabaseRuntime<K, V> current = active;
        if (current != null) {
            return current;
        }
        throw unavailable();
    }

    private RuntimeException unavailable() {
        long unavailableFor = nanoClock.getAsLong() - unavailableSinceNanos;
        String states = describeAll();
        if (unavailableFor < unavailableWindowNanos) {
            return new TemporaryUnavailableException("no database is usable right now (for "
                    + Duration.ofNanos(unavailableFor).toMillis() + " ms; NoValidDatabaseException after "
                    + Duration.ofNanos(unavailableWindowNanos).toSeconds() + " s): " + states);
        }
        return new NoValidDatabaseException("no database has been usable for "
                + Duration.ofNanos(unavailableFor).toSeconds() + " s (failoverAttempts " + config.failoverAttempts()
                + " × failoverDelay " + config.failoverDelay() + "): " + states);
    }

    private String describeAll() {
        StringBuilder sb = new StringBuilder();
        for (DatabaseRuntime<K, V> db : databases) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(db.name()).append(" (circuit ").append(db.circuitState()).append(db.isHealthy() ? ", answers" : ", unhealthy").append(')');
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- start-up

    /**
     * Runs the first health check of every database, then picks the first active database.
     * Called once, before any command; blocks the caller (never the coordinator).
     *
     * @return the databases that failed their first health check
     */
    public List<DatabaseRuntime<K, V>> initialize(List<DatabaseRuntime<K, V>> members, Duration bound) throws Exception {
        // The members join the client's list only at the end: until then the coordinator ignores
        // them (a connection lost during warm-up must not race the start-up decisions made here,
        // on the caller's thread).
        try {
            return decideInitialState(members, bound);
        } finally {
            databases.addAll(members);
        }
    }

    private List<DatabaseRuntime<K, V>> decideInitialState(List<DatabaseRuntime<K, V>> members, Duration bound) throws Exception {
        List<CompletableFuture<HealthResult>> runs = new ArrayList<>();
        long deadline = nanoClock.getAsLong() + bound.toNanos() / 2;
        for (DatabaseRuntime<K, V> db : members) {
            runs.add(firstCheck(db, deadline));
        }
        List<DatabaseRuntime<K, V>> failed = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            DatabaseRuntime<K, V> db = members.get(i);
            HealthResult result;
            try {
                result = runs.get(i).get(bound.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                result = new HealthResult(false, -1, e);
            }
            db.setHealthy(result.healthy(), result.latencyNanos());
            if (result.healthy()) {
                // Circuits start HALF_OPEN: a first pass closes them; a first failure leaves them
                // HALF_OPEN (no grace period for a database that never carried traffic).
                applyCircuit(db, db.circuit().onHealthy());
            } else {
                failed.add(db);
                db.setLastFailure(result.cause());
            }
        }
        @SuppressWarnings("unchecked")
        DatabaseRuntime<K, V> first = (DatabaseRuntime<K, V>) config.failoverStrategy().select(members);
        if (first != null) {
            first.prepareForTraffic().get(bound.toMillis(), TimeUnit.MILLISECONDS);
            active = first;
            activeChanges++;
            events.publish(new ActiveDatabaseChangedEvent(null, first, SwitchReason.INITIAL));
        } else {
            unavailableSinceNanos = nanoClock.getAsLong();
            execute(this::startRecheckingWhileUnavailable);
        }
        // Warm the standby connections so a failover does not wait for a TCP handshake.
        for (DatabaseRuntime<K, V> db : members) {
            if (db != first && db.isHealthy()) {
                db.prepareForTraffic().exceptionally(e -> null);
            }
        }
        return failed;
    }

    /**
     * The first health check, run again while it only timed out and time is left: a cold JVM or a
     * busy machine can be slow to answer once, and refusing to start for that helps nobody. A
     * refused connection is an answer and is not retried.
     */
    private CompletableFuture<HealthResult> firstCheck(DatabaseRuntime<K, V> db, long deadline) {
        return healthChecks.run(db).thenCompose(result -> {
            boolean timedOut = result.cause() instanceof java.util.concurrent.TimeoutException
                    || result.cause() instanceof io.lettuce.core.RedisCommandTimeoutException;
            if (result.healthy() || !timedOut || nanoClock.getAsLong() >= deadline) {
                return CompletableFuture.completedFuture(result);
            }
            return firstCheck(db, deadline);
        });
    }

    /** Starts the periodic health checks, the stall watchdog and the auto fallback timer. */
    public void start() {
        long interval = config.healthCheckInterval().toNanos();
        for (DatabaseRuntime<K, V> db : databases) {
            scheduleHealthChecks(db, interval);
        }
        coordinator.scheduleWithFixedDelay(this::watchForStalls, WATCHDOG_TICK_MILLIS, WATCHDOG_TICK_MILLIS, TimeUnit.MILLISECONDS);
        if (!config.autoFallbackInterval().isZero()) {
            scheduleFallback();
        }
    }

    private void scheduleHealthChecks(DatabaseRuntime<K, V> db, long intervalNanos) {
        // Spread the databases over the interval so their probes do not all fire at once.
        long offset = ThreadLocalRandom.current().nextLong(intervalNanos);
        db.setHealthSchedule(coordinator.scheduleAtFixedRate(() -> runHealthCheck(db, false), offset, intervalNanos,
                TimeUnit.NANOSECONDS));
    }

    private void scheduleFallback() {
        long interval = config.autoFallbackInterval().toNanos();
        // Jitter only ever shortens the wait (up to 10 %, at most 1 s), so a fleet of clients does not
        // move at the same instant and no client waits longer than the interval.
        long jitter = ThreadLocalRandom.current().nextLong(Math.min(interval / 10, TimeUnit.SECONDS.toNanos(1)) + 1);
        coordinator.schedule(() -> {
            try {
                fallbackIfBetter();
            } finally {
                scheduleFallback();
            }
        }, interval - jitter, TimeUnit.NANOSECONDS);
    }

    // ---------------------------------------------------------------- signals from the command path

    /**
     * Something on {@code db} looks wrong (connection lost, a timeout, replies stalled): check its
     * health now instead of at the next interval. Debounced: one such check at a time.
     */
    public void suspect(DatabaseRuntime<K, V> db) {
        execute(() -> {
            if (!db.suspectRunInFlight && databases.contains(db)) {
                runHealthCheck(db, true);
            }
        });
    }

    /** The failure detector tripped for {@code db}. */
    public void tripped(DatabaseRuntime<K, V> db) {
        execute(() -> {
            LOG.log(System.Logger.Level.WARNING, "failure detector tripped for database '" + db.name() + "'");
            applyCircuit(db, db.circuit().onFailure());
            reevaluate();
        });
    }

    private void watchForStalls() {
        DatabaseRuntime<K, V> current = active;
        if (current == null) {
            watched = null;
            return;
        }
        long completed = current.completed.sum();
        long dispatched = current.dispatched.sum();
        long now = nanoClock.getAsLong();
        if (current != watched || completed != watchedCompleted || dispatched <= completed) {
            watched = current;
            watchedCompleted = completed;
            stallSinceNanos = now;
            stallReported = false;
            return;
        }
        if (!stallReported && now - stallSinceNanos >= config.stallThreshold().toNanos()) {
            stallReported = true;
            LOG.log(System.Logger.Level.DEBUG, "no reply from '" + current.name() + "' for " + config.stallThreshold() + ": checking its health");
            if (!current.suspectRunInFlight) {
                runHealthCheck(current, true);
            }
        }
    }

    // ---------------------------------------------------------------- health

    private void runHealthCheck(DatabaseRuntime<K, V> db, boolean suspect) {
        runHealthCheck(db, suspect, false);
    }

    private void runHealthCheck(DatabaseRuntime<K, V> db, boolean suspect, boolean oneProbe) {
        long run = db.healthRuns.incrementAndGet();
        if (suspect) {
            db.suspectRunInFlight = true;
        }
        (oneProbe ? healthChecks.runOneProbe(db) : healthChecks.run(db)).whenComplete((result, error) -> execute(() -> {
            if (suspect) {
                db.suspectRunInFlight = false;
            }
            if (error != null) {
                return; // the client is closing
            }
            applyHealth(db, run, result);
        }));
    }

    private void applyHealth(DatabaseRuntime<K, V> db, long run, HealthResult result) {
        if (run < db.lastAppliedHealthRun || !databases.contains(db)) {
            return; // a newer run already spoke
        }
        db.lastAppliedHealthRun = run;
        boolean was = db.isHealthy();
        db.setHealthy(result.healthy(), result.latencyNanos());
        db.setLastFailure(result.healthy() ? null : result.cause());
        if (was != result.healthy()) {
            LOG.log(result.healthy() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "database '" + db.name()
                    + "' is " + (result.healthy() ? "healthy" : "unhealthy: " + result.cause()));
            events.publish(new HealthStatusChangedEvent(db, result.healthy(), result.cause()));
        }
        CircuitBreaker circuit = db.circuit();
        applyCircuit(db, result.healthy() ? circuit.onHealthy() : circuit.onFailure());
        if (result.healthy() && db != active && db.commandConnection() == null) {
            db.prepareForTraffic().exceptionally(e -> null); // warm it before traffic may move there
        }
        reevaluate();
    }

    private void applyCircuit(DatabaseRuntime<K, V> db, CircuitBreaker.Transition transition) {
        if (transition == null) {
            return;
        }
        events.publish(new CircuitStateChangedEvent(db, transition.from(), transition.to()));
        if (transition.to() == CircuitState.OPEN) {
            long delay = db.circuit().graceEndsAtNanos() - nanoClock.getAsLong();
            coordinator.schedule(() -> graceOver(db), Math.max(0, delay), TimeUnit.NANOSECONDS);
        } else if (transition.to() == CircuitState.CLOSED) {
            db.resetTrackers();
        }
    }

    private void graceOver(DatabaseRuntime<K, V> db) {
        CircuitBreaker.Transition transition = db.circuit().onGraceTimer();
        if (transition != null) {
            applyCircuit(db, transition);
            runHealthCheck(db, false); // the next health check decides: no need to wait for the interval
        }
    }

    // ---------------------------------------------------------------- decisions

    private DatabaseRuntime<K, V> select() {
        @SuppressWarnings("unchecked")
        DatabaseRuntime<K, V> choice = (DatabaseRuntime<K, V>) config.failoverStrategy().select(databases);
        return choice;
    }

    /** After any change of health or circuit: leave a failed active database, or recover from having none. */
    private void reevaluate() {
        DatabaseRuntime<K, V> current = active;
        if (current != null && current.circuitState() == CircuitState.CLOSED) {
            return; // moving away from a healthy database is the fallback timer's job
        }
        DatabaseRuntime<K, V> best = select();
        if (best == null) {
            if (current != null) {
                loseActive(current);
            }
            return;
        }
        if (best != current) {
            switchTo(best, current == null ? SwitchReason.RECOVERY : SwitchReason.FAILOVER);
        }
    }

    private void fallbackIfBetter() {
        DatabaseRuntime<K, V> current = active;
        if (current == null) {
            return;
        }
        if (pinned == current && current.circuitState() == CircuitState.CLOSED) {
            return; // a manual choice stands while its database is healthy
        }
        DatabaseRuntime<K, V> best = select();
        if (best != null && best != current && best.weight() > current.weight() && best.circuitState() == CircuitState.CLOSED) {
            switchTo(best, SwitchReason.FALLBACK);
        }
    }

    private void loseActive(DatabaseRuntime<K, V> lost) {
        LOG.log(System.Logger.Level.ERROR, "no database is usable: " + describeAll());
        unavailableSinceNanos = nanoClock.getAsLong();
        active = null;
        activeChanges++;
        switching = null;
        switchingDone = null;
        switchGeneration++;
        lost.abandonCommandConnection();
        events.publish(new AllDatabasesUnavailableEvent(lost));
        notifySwitch(lost, null);
        startRecheckingWhileUnavailable();
    }

    /**
     * Closes a removed database once nothing is in flight there (a command sent just before the
     * switch, a blocking pop), so removing it fails no call; at the deadline it is closed anyway.
     */
    private void closeWhenIdle(DatabaseRuntime<K, V> removed, long deadlineNanos) {
        draining.add(removed);
        if (!removed.busy() || nanoClock.getAsLong() >= deadlineNanos) {
            draining.remove(removed);
            removed.closeAsync();
            return;
        }
        schedule(Duration.ofMillis(REMOVAL_DRAIN_POLL_MILLIS), () -> closeWhenIdle(removed, deadlineNanos));
    }

    private void startRecheckingWhileUnavailable() {
        if (!rechecking) {
            rechecking = true;
            recheckWhileUnavailable();
        }
    }

    /**
     * While no database is usable, checks every database every {@value #UNAVAILABLE_RECHECK_MILLIS} ms
     * (or at the health-check interval if that is shorter) instead of waiting for its next interval,
     * with a single probe: the first one that answers again ends the outage (its grace period and
     * the probe policy notwithstanding, rule 1); its regular checks go on as configured.
     */
    private void recheckWhileUnavailable() {
        if (active != null) {
            rechecking = false;
            return;
        }
        for (DatabaseRuntime<K, V> db : databases) {
            if (!db.suspectRunInFlight) {
                runHealthCheck(db, true, true);
            }
        }
        long period = Math.min(UNAVAILABLE_RECHECK_MILLIS, config.healthCheckInterval().toMillis());
        schedule(Duration.ofMillis(period), this::recheckWhileUnavailable);
    }

    /**
     * Moves traffic to {@code target} once its command connection is proven live. Commands keep
     * going to the current database meanwhile (and are retried if it is down).
     */
    private CompletableFuture<Void> switchTo(DatabaseRuntime<K, V> target, SwitchReason reason) {
        if (target == switching && switchingDone != null) {
            return switchingDone; // already on its way there
        }
        switching = target;
        long generation = ++switchGeneration;
        CompletableFuture<Void> done = new CompletableFuture<>();
        switchingDone = done;
        target.prepareForTraffic().whenComplete((ok, error) -> execute(() -> {
            if (generation != switchGeneration) {
                done.completeExceptionally(new IllegalStateException("superseded by another switch"));
                return;
            }
            switching = null;
            switchingDone = null;
            if (!databases.contains(target) || target.isClosed()) {
                done.completeExceptionally(new IllegalStateException("database '" + target.name() + "' was removed"));
                reevaluate();
                return;
            }
            if (error != null) {
                LOG.log(System.Logger.Level.WARNING, "database '" + target.name() + "' is not reachable for traffic: " + error);
                done.completeExceptionally(error);
                runHealthCheck(target, true);
                return;
            }
            DatabaseRuntime<K, V> old = active;
            active = target;
            activeChanges++;
            if (reason != SwitchReason.MANUAL) {
                pinned = null;
            }
            LOG.log(System.Logger.Level.WARNING, "active database: " + (old == null ? "none" : old.name()) + " -> "
                    + target.name() + " (" + reason + ")");
            events.publish(new ActiveDatabaseChangedEvent(old, target, reason));
            notifySwitch(old, target);
            if (old != null && old.circuitState() != CircuitState.CLOSED) {
                // Fail what still waits on the failed database now; safe commands are re-sent here.
                old.abandonCommandConnection();
            }
            done.complete(null);
        }));
        return done;
    }

    // ---------------------------------------------------------------- runtime membership

    /**
     * Adds a database. It is health-checked at once; if it passes and outweighs the active
     * database it becomes active (reason DATABASE_ADDED). The future completes with its first
     * health verdict.
     */
    public CompletableFuture<Boolean> add(DatabaseRuntime<K, V> db) {
        CompletableFuture<Boolean> firstVerdict = new CompletableFuture<>();
        execute(() -> {
            databases.add(db);
            events.publish(new dev.multidb.DatabaseAddedEvent(db));
            scheduleHealthChecks(db, config.healthCheckInterval().toNanos());
            long run = db.healthRuns.incrementAndGet();
            healthChecks.run(db).whenComplete((result, error) -> execute(() -> {
                if (error != null) {
                    firstVerdict.completeExceptionally(error);
                    return;
                }
                applyHealth(db, run, result);
                DatabaseRuntime<K, V> current = active;
                if (result.healthy() && db.circuitState() == CircuitState.CLOSED
                        && (current == null || db.weight() > current.weight())) {
                    switchTo(db, SwitchReason.DATABASE_ADDED);
                }
                firstVerdict.complete(result.healthy());
            }));
        });
        return firstVerdict;
    }

    /**
     * Removes a database. Traffic leaves it first when it is active; the last database, or the
     * active one when no other is usable, cannot be removed.
     */
    public CompletableFuture<Void> remove(Database db) {
        CompletableFuture<Void> removed = new CompletableFuture<>();
        execute(() -> {
            DatabaseRuntime<K, V> target = find(db);
            if (target == null) {
                removed.completeExceptionally(new IllegalArgumentException("unknown database: " + db));
                return;
            }
            if (databases.size() == 1) {
                removed.completeExceptionally(new IllegalStateException("cannot remove '" + target.name()
                        + "': it is the last database of the client"));
                return;
            }
            Runnable drop = () -> {
                databases.remove(target);
                target.cancelHealthSchedule();
                if (pinned == target) {
                    pinned = null;
                }
                events.publish(new dev.multidb.DatabaseRemovedEvent(target));
                closeWhenIdle(target, nanoClock.getAsLong() + 2 * config.commandTimeout().toNanos());
                removed.complete(null);
            };
            if (target != active) {
                drop.run();
                return;
            }
            DatabaseRuntime<K, V> next = selectExcluding(target);
            if (next == null) {
                removed.completeExceptionally(new NoValidDatabaseException("cannot remove the active database '"
                        + target.name() + "': no other database is usable"));
                return;
            }
            switchTo(next, SwitchReason.DATABASE_REMOVED).whenComplete((ok, error) -> execute(() -> {
                if (error != null) {
                    removed.completeExceptionally(error);
                } else {
                    drop.run();
                }
            }));
        });
        return removed;
    }

    /** Changes a weight; traffic moves at once if the change makes another usable database the best. */
    public CompletableFuture<Void> updateWeight(Database db, double weight) {
        CompletableFuture<Void> updated = new CompletableFuture<>();
        execute(() -> {
            DatabaseRuntime<K, V> target = find(db);
            if (target == null) {
                updated.completeExceptionally(new IllegalArgumentException("unknown database: " + db));
                return;
            }
            double old = target.weight();
            target.setWeight(weight);
            events.publish(new dev.multidb.WeightChangedEvent(target, old, weight));
            pinned = null; // an explicit weight is the application's latest word on priorities
            DatabaseRuntime<K, V> best = select();
            DatabaseRuntime<K, V> current = active;
            if (best != null && best != current && best.circuitState() == CircuitState.CLOSED
                    && (current == null || best.weight() > current.weight())) {
                switchTo(best, SwitchReason.WEIGHT_CHANGED).whenComplete((ok, e) -> updated.complete(null));
            } else {
                updated.complete(null);
            }
        });
        return updated;
    }

    private DatabaseRuntime<K, V> selectExcluding(DatabaseRuntime<K, V> excluded) {
        List<DatabaseRuntime<K, V>> others = new ArrayList<>(databases);
        others.remove(excluded);
        @SuppressWarnings("unchecked")
        DatabaseRuntime<K, V> choice = (DatabaseRuntime<K, V>) config.failoverStrategy().select(others);
        return choice;
    }

    /** When the client became unavailable (clock nanos), meaningful only while {@link #active()} is null. */
    public long unavailableSinceNanos() {
        return unavailableSinceNanos;
    }

    // ---------------------------------------------------------------- manual control

    /** Makes {@code db} active if it is healthy; auto fallback then leaves it alone while it stays healthy. */
    public CompletableFuture<Void> setActive(Database db) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        execute(() -> {
            DatabaseRuntime<K, V> target = find(db);
            if (target == null) {
                result.completeExceptionally(new IllegalArgumentException("unknown database: " + db));
                return;
            }
            if (!target.isHealthy()) {
                result.completeExceptionally(new NoValidDatabaseException("database '" + target.name()
                        + "' cannot be made active: its last health check failed (circuit " + target.circuitState() + ")"));
                return;
            }
            pinned = target;
            if (target == active) {
                result.complete(null);
                return;
            }
            switchTo(target, SwitchReason.MANUAL).whenComplete((ok, e) -> {
                if (e != null) {
                    result.completeExceptionally(e);
                } else {
                    result.complete(null);
                }
            });
        });
        return result;
    }

    private DatabaseRuntime<K, V> find(Database db) {
        for (DatabaseRuntime<K, V> candidate : databases) {
            if (candidate == db) {
                return candidate;
            }
        }
        return null;
    }

    private void executeOnCoordinator(Runnable task) {
        try {
            coordinator.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "multidb coordinator task failed", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // The client is closing.
        }
    }
}
