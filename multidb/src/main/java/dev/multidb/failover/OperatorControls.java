package dev.multidb.failover;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

import dev.multidb.Database;
import dev.multidb.MaintenanceEvent;
import dev.multidb.MaintenanceEvent.Change;
import dev.multidb.MultiDbEvent;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.SwitchReason;

/**
 * The operator's controls for maintenance: force a database active whatever its health says (for a bounded time
 * or until released), and drain a database (no new traffic; what runs there finishes). The decisions they
 * override live in {@link Switching}, which reads the force and the drained set; this class changes them,
 * keeps the force's time bound, tells the world ({@link MaintenanceEvent}, logs) and waits for a drain to end.
 *
 * <p>Runs on the coordinator thread; {@link #forced()}, {@link #forcedUntilNanos()} and {@link #drained()} may be
 * read from any thread.
 */
final class OperatorControls<D extends ManagedDatabase> {

    private static final System.Logger LOG = System.getLogger(OperatorControls.class.getName());
    static final long DRAIN_POLL_MILLIS = Membership.DRAIN_POLL_MILLIS;

    private final Coordinator coordinator;
    private final Switching<D> switching;
    private final Membership<D> membership;
    private final Consumer<MultiDbEvent> events;
    private final Set<D> drained = ConcurrentHashMap.newKeySet();
    /** When the force ends (clock nanos); {@link Long#MAX_VALUE} until released. */
    private volatile long forcedUntilNanos;
    private ScheduledFuture<?> expiry;
    /** Counts forces, so a late expiry or a late failed switch does not end a newer force. */
    private long forceEpoch;

    OperatorControls(Coordinator coordinator, Switching<D> switching, Membership<D> membership, Consumer<MultiDbEvent> events) {
        this.coordinator = coordinator;
        this.switching = switching;
        this.membership = membership;
        this.events = events;
        switching.excludeDrained(drained::contains);
        membership.onRemoving(this::removing);
    }

    D forced() {
        return switching.forced();
    }

    /** When the force ends (clock nanos), {@link Long#MAX_VALUE} for "until released"; meaningful while {@link #forced()}. */
    long forcedUntilNanos() {
        return forcedUntilNanos;
    }

    Set<D> drained() {
        return drained;
    }

    /**
     * Forces {@code db} active for at most {@code bound} ({@code null}: until released). Completes when traffic
     * is there; fails (and the force is undone) when no connection to it can be prepared.
     */
    CompletableFuture<Void> force(Database db, Duration bound) {
        if (bound != null && (bound.isNegative() || bound.isZero())) {
            throw new IllegalArgumentException("a force's bound must be positive, was " + bound);
        }
        return coordinator.call(result -> {
            D target = membership.find(db);
            if (target == null) {
                result.completeExceptionally(new IllegalArgumentException("unknown database: " + db));
                return;
            }
            if (drained.contains(target)) {
                result.completeExceptionally(new IllegalStateException("database '" + target.name()
                        + "' is drained and cannot be forced active: undrain it first"));
                return;
            }
            cancelExpiry();
            long epoch = ++forceEpoch;
            switching.unpin();
            switching.force(target);
            forcedUntilNanos = bound == null ? Long.MAX_VALUE : coordinator.now() + bound.toNanos();
            if (bound != null) {
                expiry = coordinator.schedule(bound, () -> {
                    if (epoch == forceEpoch && switching.forced() != null) {
                        end("expired after " + bound);
                    }
                });
            }
            LOG.log(Level.WARNING, "database '" + target.name() + "' forced active for maintenance "
                    + (bound == null ? "until released" : "for at most " + bound) + " (healthy: " + target.isHealthy()
                    + ", circuit " + target.circuitState() + "): health checks and circuits no longer move traffic");
            events.accept(new MaintenanceEvent(target.view(), Change.FORCED, bound, "forced active by the application"
                    + (target.isHealthy() ? "" : " although its last health check failed")));
            if (target == switching.active()) {
                switching.cancelPendingSwitch(); // a switch away that was under way must not overrule the force
                result.complete(null);
                return;
            }
            switching.switchTo(target, SwitchReason.MAINTENANCE).whenComplete((ok, error) -> {
                if (error == null) {
                    result.complete(null);
                    return;
                }
                coordinator.execute(() -> {
                    if (epoch == forceEpoch && switching.forced() == target) {
                        end("traffic could not move there: " + error.getMessage());
                    }
                });
                result.completeExceptionally(error);
            });
        });
    }

    /** Ends the force, if any. */
    CompletableFuture<Void> release() {
        return coordinator.call(result -> {
            if (switching.forced() != null) {
                end("released by the application");
            }
            result.complete(null);
        });
    }

    /**
     * Drains {@code db}: traffic leaves it (if it is active) for the best other usable database, and the
     * answer comes once traffic left and nothing is in flight there. Refused when it is active and no other
     * database is usable; if the database traffic was to move to fails meanwhile, traffic stays until another
     * one is usable (a drain never leaves the client without a database).
     */
    CompletableFuture<Void> drain(Database db, Duration bound) {
        if (bound.isNegative() || bound.isZero()) {
            throw new IllegalArgumentException("a drain's bound must be positive, was " + bound);
        }
        long deadline = coordinator.now() + bound.toNanos();
        return coordinator.call(result -> {
            D target = membership.find(db);
            if (target == null) {
                result.completeExceptionally(new IllegalArgumentException("unknown database: " + db));
                return;
            }
            if (switching.forced() == target) {
                result.completeExceptionally(new IllegalStateException("database '" + target.name()
                        + "' is forced active and cannot be drained: release it first"));
                return;
            }
            boolean active = target == switching.active() || target == switching.switching();
            D next = active ? switching.selectExcluding(target) : null;
            if (active && next == null) {
                result.completeExceptionally(new NoValidDatabaseException("cannot drain the active database '"
                        + target.name() + "': no other database is usable"));
                return;
            }
            if (drained.add(target)) {
                LOG.log(Level.WARNING, "database '" + target.name() + "' is being drained: no new traffic goes there");
                events.accept(new MaintenanceEvent(target.view(), Change.DRAINING, null, "drained by the application"));
            }
            if (target == switching.switching()) {
                switching.cancelPendingSwitch();
            }
            switching.reevaluate(); // a drained active database is left for the best other one (Switching)
            whenIdle(target, result, deadline, bound);
        });
    }

    /** Puts a drained database back into rotation. */
    CompletableFuture<Void> undrain(Database db) {
        return coordinator.call(result -> {
            D target = membership.find(db);
            if (target == null) {
                result.completeExceptionally(new IllegalArgumentException("unknown database: " + db));
                return;
            }
            if (drained.remove(target)) {
                LOG.log(Level.INFO, "database '" + target.name() + "' is back in rotation");
                events.accept(new MaintenanceEvent(target.view(), Change.UNDRAINED, null, "undrained by the application"));
                switching.reevaluate(); // nothing may be active only because it was drained
            }
            result.complete(null);
        });
    }

    /** A database the application refuses to make active manually while a control stands, and why; or null. */
    RuntimeException refusesManualChoice(D target) {
        D forced = switching.forced();
        if (forced != null) {
            return new IllegalStateException("database '" + forced.name() + "' is forced active for maintenance: release it"
                    + " before choosing '" + target.name() + "'");
        }
        if (drained.contains(target)) {
            return new IllegalStateException("database '" + target.name() + "' is drained: undrain it first");
        }
        return null;
    }

    /** A database is being removed: controls on it end with it. */
    private void removing(D db) {
        if (switching.forced() == db) {
            end("the database was removed");
        }
        drained.remove(db);
    }

    private void end(String why) {
        D was = switching.forced();
        switching.unforce();
        if (switching.switching() == was) {
            switching.cancelPendingSwitch(); // traffic must not arrive there for a force that is over
        }
        cancelExpiry();
        forceEpoch++;
        LOG.log(Level.WARNING, "database '" + was.name() + "' is no longer forced active (" + why + ")");
        events.accept(new MaintenanceEvent(was.view(), Change.RELEASED, null, why));
        switching.reevaluate(); // the usual rules choose again, now
    }

    private void cancelExpiry() {
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }

    /** Answers {@code done} once nothing is in flight on {@code db}, or fails it if the drain was undone meanwhile. */
    private void whenIdle(D db, CompletableFuture<Void> done, long deadline, Duration bound) {
        if (done.isDone()) {
            return;
        }
        if (coordinator.now() >= deadline) {
            done.completeExceptionally(new DrainTimeoutException("database '" + db.name() + "' is drained but "
                    + (db == switching.active() ? "still carries traffic (no other database is usable)"
                    : "still has commands in flight") + " after " + bound + "; it stays drained"));
            return;
        }
        if (!drained.contains(db)) {
            done.completeExceptionally(new IllegalStateException("database '" + db.name() + "' was undrained before it was idle"));
            return;
        }
        if (db != switching.active() && !db.busy()) {
            events.accept(new MaintenanceEvent(db.view(), Change.DRAINED, null, "no traffic goes there and nothing is in flight"));
            done.complete(null);
            return;
        }
        if (coordinator.schedule(Duration.ofMillis(DRAIN_POLL_MILLIS), () -> whenIdle(db, done, deadline, bound)) == null) {
            done.completeExceptionally(new IllegalStateException("the MultiDbClient is closed"));
        }
    }

    /** A drain did not finish within its bound. */
    static final class DrainTimeoutException extends io.lettuce.core.RedisCommandTimeoutException {
        private static final long serialVersionUID = 1L;

        DrainTimeoutException(String message) {
            super(message);
        }
    }

    /** For the status: "east forced active (until released)", "west drained". */
    List<String> describe(long nowNanos) {
        List<String> lines = new java.util.ArrayList<>();
        D forced = switching.forced();
        if (forced != null) {
            long until = forcedUntilNanos;
            lines.add(forced.name() + " forced active " + (until == Long.MAX_VALUE ? "until released"
                    : "for " + Duration.ofNanos(Math.max(0, until - nowNanos)).toMillis() + " ms more"));
        }
        for (D db : drained) {
            lines.add(db.name() + " drained");
        }
        return lines;
    }
}
