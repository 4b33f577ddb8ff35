package dev.multidb.failover;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

import dev.multidb.Database;
import dev.multidb.Masking;
import dev.multidb.MultiDbConfig;
import dev.multidb.database.DatabaseRuntime;
import dev.multidb.event.EventBus;
import dev.multidb.health.HealthCheckRunner;

/**
 * Decides which database carries the traffic: the entry point the client, the command path and
 * Pub/Sub use. Health results, circuit changes, failure-detector trips, stalls, timers and manual
 * requests all arrive here and are handled on one thread, the coordinator, so the decisions need no
 * locks; the command path only reads {@link #active()}.
 *
 * <p>The work is done by small parts, one job each, wired by {@link FailoverCore}:
 * {@link StartUp} (the first decision), {@link HealthScheduling} (checks and circuits),
 * {@link StallWatch}, {@link Switching} (the active database, switches, the manual pin),
 * {@link AvailabilityWindow} (TemporaryUnavailable → NoValidDatabase, re-checks while nothing is
 * usable), {@link FallbackTimer} and {@link Membership} (add, remove, weights, drain).
 */
public final class FailoverController<K, V> {

    private final FailoverCore<DatabaseRuntime<K, V>> core;
    private final Map<SwitchListener<K, V>, BiConsumer<DatabaseRuntime<K, V>, DatabaseRuntime<K, V>>> listeners =
            new ConcurrentHashMap<>();

    public FailoverController(MultiDbConfig config, ScheduledExecutorService coordinator, HealthCheckRunner healthChecks,
            EventBus events, LongSupplier nanoClock) {
        HealthProbe<DatabaseRuntime<K, V>> probe = (db, oneProbe) -> oneProbe ? healthChecks.runOneProbe(db) : healthChecks.run(db);
        this.core = new FailoverCore<>(config, coordinator, probe, events::publish, nanoClock, new Random());
    }

    /** Internal hook for components that follow the active database (Pub/Sub). */
    @FunctionalInterface
    public interface SwitchListener<K, V> {
        /** Runs on the coordinator thread: must not block. {@code newActive} may be {@code null}. */
        void activeChanged(DatabaseRuntime<K, V> oldActive, DatabaseRuntime<K, V> newActive);
    }

    public void addSwitchListener(SwitchListener<K, V> listener) {
        BiConsumer<DatabaseRuntime<K, V>, DatabaseRuntime<K, V>> adapted = listener::activeChanged;
        if (listeners.putIfAbsent(listener, adapted) == null) {
            core.addSwitchListener(adapted);
        }
    }

    public void removeSwitchListener(SwitchListener<K, V> listener) {
        BiConsumer<DatabaseRuntime<K, V>, DatabaseRuntime<K, V>> adapted = listeners.remove(listener);
        if (adapted != null) {
            core.removeSwitchListener(adapted);
        }
    }

    /** Runs {@code task} on the coordinator thread after {@code delay}; nothing once the client is closed. */
    public void schedule(Duration delay, Runnable task) {
        core.schedule(delay, task);
    }

    /** Runs {@code task} on the coordinator thread. */
    public void execute(Runnable task) {
        core.execute(task);
    }

    public List<DatabaseRuntime<K, V>> databases() {
        return core.databases();
    }

    /** The active database, or {@code null} when none is usable. */
    public DatabaseRuntime<K, V> active() {
        return core.active();
    }

    /** Removed databases still finishing their last commands. */
    public Set<DatabaseRuntime<K, V>> draining() {
        return core.draining();
    }

    /** How many times {@link #active()} has changed; see {@code MultiDbClient.activeDatabaseChanges()}. */
    public long activeChanges() {
        return core.activeChanges();
    }

    /** Hot path: the active database, or the exception that says why there is none. */
    public DatabaseRuntime<K, V> activeOrThrow() {
        return core.activeOrThrow();
    }

    /** When the client became unavailable (clock nanos), meaningful only while {@link #active()} is null. */
    public long unavailableSinceNanos() {
        return core.unavailableSinceNanos();
    }

    /**
     * Runs the first health check of every database, then picks the first active database: the
     * best one that passed and whose command connection could be prepared. Called once, before any
     * command; blocks the caller (never the coordinator).
     *
     * @return the databases that failed their first health check or could not be prepared for traffic
     */
    public List<DatabaseRuntime<K, V>> initialize(List<DatabaseRuntime<K, V>> members, Duration bound) throws Exception {
        return core.initialize(members, bound);
    }

    /** Starts the periodic health checks, the stall watch and the auto fallback timer. */
    public void start() {
        core.start();
    }

    /**
     * Something on {@code db} looks wrong (connection lost, a timeout, replies stalled): check its
     * health now instead of at the next interval. Debounced: one such check at a time.
     */
    public void suspect(DatabaseRuntime<K, V> db) {
        core.suspect(db);
    }

    /** The failure detector tripped for {@code db}. */
    public void tripped(DatabaseRuntime<K, V> db) {
        core.tripped(db);
    }

    /**
     * Adds a database unless the client already has its endpoint or its name (checked on the
     * coordinator together with the insert: the future fails with {@link IllegalArgumentException}).
     * It is health-checked at once; if it passes and outweighs the active database it becomes
     * active (reason DATABASE_ADDED). The future completes with its first health verdict.
     */
    public CompletableFuture<Boolean> add(DatabaseRuntime<K, V> db) {
        return core.add(db, existing -> {
            if (existing.config().endpoint().equals(db.config().endpoint())) {
                return new IllegalArgumentException("the client already has the endpoint " + Masking.mask(db.uri()));
            }
            if (existing.name().equals(db.name())) {
                return new IllegalArgumentException("the client already has a database named '" + db.name() + "'");
            }
            return null;
        });
    }

    /**
     * Removes a database. Traffic leaves it first when it is active; the last database, or the
     * active one when no other is usable, cannot be removed.
     */
    public CompletableFuture<Void> remove(Database db) {
        return core.remove(db);
    }

    /** Changes a weight; traffic moves at once if the change makes another usable database the best. */
    public CompletableFuture<Void> updateWeight(Database db, double weight) {
        return core.updateWeight(db, weight);
    }

    /**
     * Makes {@code db} active if its last health check passed, whatever its circuit says; neither
     * health results nor auto fallback move traffic away from it until it fails a health check.
     */
    public CompletableFuture<Void> setActive(Database db) {
        return core.setActive(db);
    }

    /** Forces {@code db} active for at most {@code bound} ({@code null}: until released); see {@code Maintenance}. */
    public CompletableFuture<Void> forceActive(Database db, Duration bound) {
        return core.controls().force(db, bound);
    }

    /** Ends a force, if any. */
    public CompletableFuture<Void> releaseForce() {
        return core.controls().release();
    }

    /** The database forced active, or {@code null}. */
    public DatabaseRuntime<K, V> forced() {
        return core.controls().forced();
    }

    /** Drains {@code db}; completes once no traffic goes there and nothing is in flight there. */
    public CompletableFuture<Void> drain(Database db, Duration bound) {
        return core.controls().drain(db, bound);
    }

    /** Puts a drained database back into rotation. */
    public CompletableFuture<Void> undrain(Database db) {
        return core.controls().undrain(db);
    }

    /** The drained databases. */
    public Set<DatabaseRuntime<K, V>> drained() {
        return core.controls().drained();
    }

    /** The operator controls in force, one line each ("east forced active until released"), for the status. */
    public List<String> maintenanceState() {
        return core.controls().describe(System.nanoTime());
    }

    /** The client is closing: every call still waiting for the coordinator fails now, and nothing new starts. */
    public void close() {
        core.close();
    }
}
