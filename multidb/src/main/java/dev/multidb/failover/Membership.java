package dev.multidb.failover;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

import dev.multidb.Database;
import dev.multidb.DatabaseAddedEvent;
import dev.multidb.DatabaseRemovedEvent;
import dev.multidb.MultiDbEvent;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.SwitchReason;
import dev.multidb.WeightChangedEvent;
import dev.multidb.circuit.CircuitState;

/**
 * The member databases and changes to them at runtime: adding (refused for a duplicate, checked
 * and inserted in one coordinator task), removing (traffic leaves first; the database is closed
 * once its last command has finished, the drain), and weights.
 *
 * <p>Runs on the coordinator thread only; the list may be read from any thread.
 */
final class Membership<D extends ManagedDatabase> {

    static final long DRAIN_POLL_MILLIS = 20;

    private final Coordinator coordinator;
    private final Consumer<MultiDbEvent> events;
    private final long drainNanos;
    private final List<D> databases = new CopyOnWriteArrayList<>();
    /** Removed databases not closed yet because a command is still in flight there; the client's close() closes them. */
    private final Set<D> draining = ConcurrentHashMap.newKeySet();
    private HealthScheduling<D> health;
    private Switching<D> switching;
    /** Told before a database is removed, so operator controls on it end first. */
    private Consumer<D> removing = db -> { };

    Membership(Coordinator coordinator, Consumer<MultiDbEvent> events, Duration drainBound) {
        this.coordinator = coordinator;
        this.events = events;
        this.drainNanos = drainBound.toNanos();
    }

    /** The parts membership changes act on; they need the member list first, hence not in the constructor. */
    void wire(HealthScheduling<D> health, Switching<D> switching) {
        this.health = health;
        this.switching = switching;
    }

    /** Who is told before a database is removed (set once, when the parts are wired). */
    void onRemoving(Consumer<D> removing) {
        this.removing = removing;
    }

    List<D> databases() {
        return databases;
    }

    Set<D> draining() {
        return draining;
    }

    boolean contains(D db) {
        return databases.contains(db);
    }

    /** Start-up's members, added at once by the creating thread before the coordinator starts deciding. */
    void addInitial(List<D> members) {
        databases.addAll(members);
    }

    D find(Database db) {
        for (D candidate : databases) {
            if (candidate == db || candidate.view() == db) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * Adds {@code db} unless {@code conflict} names a reason against it (a duplicate endpoint or name)
     * for some current member, in the same coordinator task as the insert, so two concurrent adds
     * cannot both pass. The first health check runs at once; if it passes and {@code db} outweighs
     * the active database, traffic moves there (DATABASE_ADDED). Completes with that first verdict.
     */
    CompletableFuture<Boolean> add(D db, Function<D, RuntimeException> conflict) {
        return coordinator.call(firstVerdict -> {
            for (D existing : databases) {
                RuntimeException refused = conflict.apply(existing);
                if (refused != null) {
                    firstVerdict.completeExceptionally(refused);
                    return;
                }
            }
            databases.add(db);
            events.accept(new DatabaseAddedEvent(db.view()));
            health.schedule(db);
            health.firstCheck(db).whenComplete((result, error) -> {
                if (error != null) {
                    firstVerdict.completeExceptionally(error);
                    return;
                }
                D current = switching.active();
                if (result.healthy() && db.circuitState() == CircuitState.CLOSED && contains(db) && switching.forced() == null
                        && !switching.isDrained(db)
                        && (current == null || db.weight() > current.weight())) {
                    switching.switchTo(db, SwitchReason.DATABASE_ADDED);
                }
                firstVerdict.complete(result.healthy());
            });
        });
    }

    /**
     * Removes a database. Traffic leaves it first when it is active; the last database, or the
     * active one when no other is usable, cannot be removed.
     */
    CompletableFuture<Void> remove(Database db) {
        return coordinator.call(removed -> {
            D target = find(db);
            if (target == null) {
                removed.completeExceptionally(new IllegalArgumentException("unknown database: " + db));
                return;
            }
            if (databases.size() == 1) {
                removed.completeExceptionally(new IllegalStateException("cannot remove '" + target.name()
                        + "': it is the last database of the client"));
                return;
            }
            if (target != switching.active()) {
                removing.accept(target);
                drop(target);
                if (switching.active() == null) {
                    switching.reevaluate(); // a check of the removed one may have been all that was pending: decide now
                }
                removed.complete(null);
                return;
            }
            D next = switching.selectExcluding(target);
            if (next == null) {
                removed.completeExceptionally(new NoValidDatabaseException("cannot remove the active database '"
                        + target.name() + "': no other database is usable"));
                return;
            }
            removing.accept(target);
            switching.switchTo(next, SwitchReason.DATABASE_REMOVED).whenComplete((ok, error) -> coordinator.execute(() -> {
                if (error != null) {
                    removed.completeExceptionally(error);
                } else {
                    drop(target);
                    removed.complete(null);
                }
            }));
        });
    }

    private void drop(D target) {
        databases.remove(target);
        health.forget(target);
        if (switching.pinned() == target) {
            switching.unpin();
        }
        events.accept(new DatabaseRemovedEvent(target.view()));
        closeWhenIdle(target, coordinator.now() + drainNanos);
    }

    /**
     * Closes a removed database once nothing is in flight there (a command sent just before the
     * switch, a blocking pop), so removing it fails no call; at the deadline it is closed anyway.
     */
    private void closeWhenIdle(D removed, long deadlineNanos) {
        draining.add(removed);
        if (!removed.busy() || coordinator.now() >= deadlineNanos) {
            draining.remove(removed);
            removed.closeAsync();
            return;
        }
        coordinator.schedule(Duration.ofMillis(DRAIN_POLL_MILLIS), () -> closeWhenIdle(removed, deadlineNanos));
    }

    /** Changes a weight; traffic moves at once if the change makes another usable database the best. */
    CompletableFuture<Void> updateWeight(Database db, double weight) {
        return coordinator.call(updated -> {
            D target = find(db);
            if (target == null) {
                updated.completeExceptionally(new IllegalArgumentException("unknown database: " + db));
                return;
            }
            double old = target.weight();
            target.setWeight(weight);
            events.accept(new WeightChangedEvent(target.view(), old, weight));
            switching.unpin(); // an explicit weight is the application's latest word on priorities
            D best = switching.select();
            D current = switching.active();
            if (best != null && best != current && best.circuitState() == CircuitState.CLOSED && switching.forced() == null
                    && (current == null || best.weight() > current.weight())) {
                switching.switchTo(best, SwitchReason.WEIGHT_CHANGED).whenComplete((ok, e) -> updated.complete(null));
            } else {
                updated.complete(null);
            }
        });
    }
}
