package dev.multidb.failover;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.AllDatabasesUnavailableEvent;
import dev.multidb.MultiDbEvent;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.SwitchReason;
import dev.multidb.circuit.CircuitState;

/**
 * Which database carries the traffic, and moving it: the active database, the switch being
 * prepared (one at a time: a newer switch supersedes an older one through the switch generation),
 * losing the active database when nothing is usable, and the manual pin.
 *
 * <p><b>The pin.</b> {@code setActive} pins its database: while the pinned database is active (or
 * being switched to) and its latest health check passed, neither a health result nor the fallback
 * timer moves traffic away, whatever its circuit says. The circuit is left as the evidence made it:
 * an OPEN circuit still goes HALF_OPEN and CLOSED by its own timer and checks, where closing it by
 * hand would publish a circuit change nothing observed and forget the failure detector's evidence.
 * The pin ends when the database fails a health check (the reevaluation that follows moves traffic
 * away), is removed, a weight changes, or traffic moves to another database for any reason.
 *
 * <p><b>Operator controls</b> ({@link OperatorControls} sets them). A forced database is never left by a health
 * result, a circuit or the fallback timer, and a switch to it is not abandoned because it is unhealthy. A drained
 * database is never chosen; while it is still active (its circuit closed) it is left for the best other one, and
 * kept while there is none.
 *
 * <p>A switch is abandoned when its target fails a health check while its connection is prepared (unless it
 * is forced).
 *
 * <p>Runs on the coordinator thread only (reads of {@link #active()} come from any thread).
 */
final class Switching<D extends ManagedDatabase> {

    private static final System.Logger LOG = System.getLogger(Switching.class.getName());

    private final Coordinator coordinator;
    private final FailoverStrategy strategy;
    private final Consumer<MultiDbEvent> events;
    private final Supplier<List<D>> members;
    private final Predicate<D> isMember;
    /** A target that could not be prepared: check its health so the next decision knows more. */
    private final Consumer<D> unreachable;
    /** Told just before the active database is dropped for none (marks the start of the outage). */
    private final Runnable losing;
    /** Told just after the active database was dropped for none. */
    private final Runnable lost;
    private final List<BiConsumer<D, D>> listeners = new CopyOnWriteArrayList<>();

    private volatile D active;
    /**
     * Incremented right after every write of {@link #active} (by one thread at a time: the creating
     * thread at start-up, the coordinator after that), so a reader that sees the same count before
     * and after a call knows {@code active} did not change in between.
     */
    private volatile long activeChanges;
    /** The database a switch is preparing, so a second reason does not start a second switch. */
    private D switching;
    private long generation;
    private CompletableFuture<Void> switchingDone;
    private D pinned;
    /** The database an operator forced active ({@link OperatorControls}): nothing automatic moves traffic off it. */
    private volatile D forced;
    /** Databases an operator drained: never chosen. */
    private Predicate<D> drained = db -> false;

    Switching(Coordinator coordinator, FailoverStrategy strategy, Consumer<MultiDbEvent> events, Supplier<List<D>> members,
            Predicate<D> isMember, Consumer<D> unreachable, Runnable losing, Runnable lost) {
        this.coordinator = coordinator;
        this.strategy = strategy;
        this.events = events;
        this.members = members;
        this.isMember = isMember;
        this.unreachable = unreachable;
        this.losing = losing;
        this.lost = lost;
    }

    D active() {
        return active;
    }

    long activeChanges() {
        return activeChanges;
    }

    /** The database a switch is being prepared for, or {@code null}. */
    D switching() {
        return switching;
    }

    D pinned() {
        return pinned;
    }

    void pin(D db) {
        pinned = db;
    }

    void unpin() {
        pinned = null;
    }

    D forced() {
        return forced;
    }

    void force(D db) {
        forced = db;
    }

    void unforce() {
        forced = null;
    }

    /** Whether an operator drained {@code db}: it is never chosen. */
    boolean isDrained(D db) {
        return drained.test(db);
    }

    /** Which databases are drained (set once, when the parts are wired). */
    void excludeDrained(Predicate<D> drained) {
        this.drained = drained;
    }

    /** Told (on the coordinator) after every change of the active database; {@code newActive} may be null. */
    void addListener(BiConsumer<D, D> listener) {
        listeners.add(listener);
    }

    void removeListener(BiConsumer<D, D> listener) {
        listeners.remove(listener);
    }

    /** Start-up's choice, made on the creating thread before the coordinator decides anything. */
    void initial(D first) {
        active = first;
        activeChanges++;
        events.accept(new ActiveDatabaseChangedEvent(null, first.view(), SwitchReason.INITIAL));
    }

    @SuppressWarnings("unchecked")
    D select() {
        return selectExcluding(null);
    }

    @SuppressWarnings("unchecked")
    D selectExcluding(D excluded) {
        List<D> others = new ArrayList<>(members.get());
        others.remove(excluded);
        others.removeIf(drained);
        return Strategies.choose(strategy, others);
    }

    /** After any change of health or circuit: leave a failed active database, or recover from having none. */
    void reevaluate() {
        D current = active;
        if (current != null && current != forced && drained.test(current) && current.circuitState() == CircuitState.CLOSED) {
            // An operator drains it while it still works: move to the best other database, and stay while there is none.
            D best = select();
            if (best != null && best != switching) {
                switchTo(best, SwitchReason.MAINTENANCE);
            }
            return;
        }
        if (current != null && (current.circuitState() == CircuitState.CLOSED || standsPinned(current) || current == forced)) {
            return; // moving away from a usable database is the fallback timer's job; from a forced one, nobody's
        }
        if (switching != null && (standsPinned(switching) || switching == forced)) {
            return; // a manual switch to a healthy database, or a forced one, is under way: let it finish
        }
        D best = select();
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

    /** {@code db} failed a health check: if it was the manual choice, the choice is over. */
    void failedCheck(D db) {
        if (pinned == db) {
            pinned = null;
        }
    }

    /** Drops the switch being prepared, if any (its future fails as superseded when its preparation ends). */
    void cancelPendingSwitch() {
        if (switching != null) {
            switching = null;
            switchingDone = null;
            generation++;
        }
    }

    /** Whether {@code db} is the manual choice and its latest health check passed. */
    boolean standsPinned(D db) {
        return db == pinned && db.isHealthy();
    }

    /**
     * Moves traffic to {@code target} once its command connection is proven live. Commands keep
     * going to the current database meanwhile (and are retried if it is down).
     */
    CompletableFuture<Void> switchTo(D target, SwitchReason reason) {
        if (target == switching && switchingDone != null) {
            return switchingDone; // already on its way there
        }
        switching = target;
        long mine = ++generation;
        CompletableFuture<Void> done = new CompletableFuture<>();
        switchingDone = done;
        target.prepareForTraffic().whenComplete((ok, error) -> {
            if (!coordinator.execute(() -> finishSwitch(target, reason, mine, done, error))) {
                done.completeExceptionally(new IllegalStateException("the MultiDbClient is closed"));
            }
        });
        return done;
    }

    private void finishSwitch(D target, SwitchReason reason, long mine, CompletableFuture<Void> done, Throwable error) {
        if (mine != generation) {
            done.completeExceptionally(new IllegalStateException("superseded by another switch"));
            return;
        }
        switching = null;
        switchingDone = null;
        if (!isMember.test(target) || target.isClosed()) {
            done.completeExceptionally(new IllegalStateException("database '" + target.name() + "' was removed"));
            reevaluate();
            return;
        }
        if (!target.isHealthy() && target != forced) {
            // It failed a health check while its connection was being prepared: traffic does not go there.
            done.completeExceptionally(new NoValidDatabaseException("database '" + target.name()
                    + "' failed its health check while the switch to it was prepared"));
            reevaluate();
            return;
        }
        if (error != null) {
            LOG.log(Level.WARNING, "database '" + target.name() + "' is not reachable for traffic: " + error);
            done.completeExceptionally(error);
            unreachable.accept(target);
            return;
        }
        D old = active;
        active = target;
        activeChanges++;
        if (target != pinned) {
            pinned = null; // traffic went elsewhere: the manual choice is over
        }
        LOG.log(Level.WARNING, "active database: " + (old == null ? "none" : old.name()) + " -> " + target.name() + " (" + reason + ")");
        events.accept(new ActiveDatabaseChangedEvent(old == null ? null : old.view(), target.view(), reason));
        notifyListeners(old, target);
        if (old != null && old.circuitState() != CircuitState.CLOSED) {
            old.leave(); // dead: cut what waits there (safe commands are re-sent here); busy: drain
        }
        done.complete(null);
    }

    /** No database is usable: traffic is refused (TemporaryUnavailable, then NoValidDatabase) until one is. */
    void loseActive(D current) {
        losing.run();
        active = null;
        activeChanges++;
        switching = null;
        switchingDone = null;
        generation++;
        current.leave();
        events.accept(new AllDatabasesUnavailableEvent(current.view()));
        notifyListeners(current, null);
        lost.run();
    }

    private void notifyListeners(D oldActive, D newActive) {
        for (BiConsumer<D, D> listener : listeners) {
            try {
                listener.accept(oldActive, newActive);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "switch listener failed", e);
            }
        }
    }
}
