package dev.multidb.failover;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

import dev.multidb.Database;
import dev.multidb.MultiDbConfig;
import dev.multidb.MultiDbEvent;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.SwitchReason;

/**
 * The failover machinery put together, for any kind of {@link ManagedDatabase}: the real client
 * uses it through {@link FailoverController}; the deterministic switching tests drive it directly
 * with fake databases, a fake health probe and a fake scheduler. It wires the parts and routes each
 * request to the one that owns it; it decides nothing itself except the manual switch.
 *
 * <p>Every part runs on the one coordinator thread; this class's methods hand their work to it.
 */
final class FailoverCore<D extends ManagedDatabase> {

    private final Coordinator coordinator;
    private final Membership<D> membership;
    private final HealthScheduling<D> health;
    private final Switching<D> switching;
    private final AvailabilityWindow<D> window;
    private final StallWatch<D> stallWatch;
    private final FallbackTimer<D> fallback;
    private final StartUp<D> startUp;
    private final OperatorControls<D> controls;

    FailoverCore(MultiDbConfig config, ScheduledExecutorService executor, HealthProbe<D> probe, Consumer<MultiDbEvent> events,
            LongSupplier nanoClock, RandomGenerator random) {
        this.coordinator = new Coordinator(executor, nanoClock);
        this.membership = new Membership<>(coordinator, events, config.commandTimeout().multipliedBy(2));
        // The parts refer to each other through the lambdas below, read when called, not now.
        this.health = new HealthScheduling<>(coordinator, probe, config.healthCheckInterval().toNanos(), config.busyBudget().toNanos(),
                random, events,
                membership::contains, this::active, () -> switching().reevaluate(), db -> switching().failedCheck(db));
        this.switching = new Switching<>(coordinator, config.failoverStrategy(), events, membership::databases,
                membership::contains, db -> health.check(db, true, false), () -> window().start(),
                () -> window().lost(describeAll()));
        this.window = new AvailabilityWindow<>(coordinator, config.failoverAttempts(), config.failoverDelay(),
                config.healthCheckInterval(), membership::databases, switching::active, health);
        this.stallWatch = new StallWatch<>(coordinator, config.stallThreshold(), switching::active, health::suspect);
        this.fallback = new FallbackTimer<>(coordinator, config.autoFallbackInterval(), random, switching);
        this.startUp = new StartUp<>(coordinator, probe, config.failoverStrategy(), health);
        membership.wire(health, switching);
        this.controls = new OperatorControls<>(coordinator, switching, membership, events);
    }

    /** Force and drain ({@code client.maintenance()}). */
    OperatorControls<D> controls() {
        return controls;
    }

    private Switching<D> switching() {
        return switching;
    }

    private AvailabilityWindow<D> window() {
        return window;
    }

    /**
     * Runs the first health check of every member, then picks the first active database. Called
     * once, before any command; blocks the caller (never the coordinator).
     *
     * @return the members that failed their first health check or could not be prepared for traffic
     */
    List<D> initialize(List<D> members, Duration bound) throws InterruptedException {
        StartUp.Decision<D> decision;
        try {
            decision = startUp.decide(members, bound);
        } finally {
            membership.addInitial(members);
        }
        if (decision.first() != null) {
            switching.initial(decision.first());
        } else {
            window.startWithoutActive();
        }
        return decision.failed();
    }

    /** Starts the periodic health checks, the stall watch and the auto fallback timer. */
    void start() {
        for (D db : membership.databases()) {
            health.schedule(db);
        }
        stallWatch.start();
        fallback.start();
    }

    D active() {
        return switching.active();
    }

    D activeOrThrow() {
        D current = switching.active();
        if (current != null) {
            return current;
        }
        throw window.unavailable(describeAll());
    }

    long activeChanges() {
        return switching.activeChanges();
    }

    long unavailableSinceNanos() {
        return window.unavailableSinceNanos();
    }

    List<D> databases() {
        return membership.databases();
    }

    Set<D> draining() {
        return membership.draining();
    }

    void addSwitchListener(BiConsumer<D, D> listener) {
        switching.addListener(listener);
    }

    void removeSwitchListener(BiConsumer<D, D> listener) {
        switching.removeListener(listener);
    }

    void execute(Runnable task) {
        coordinator.execute(task);
    }

    void schedule(Duration delay, Runnable task) {
        coordinator.schedule(delay, task);
    }

    void suspect(D db) {
        coordinator.execute(() -> health.suspect(db));
    }

    void tripped(D db) {
        coordinator.execute(() -> health.tripped(db));
    }

    CompletableFuture<Boolean> add(D db, Function<D, RuntimeException> conflict) {
        return membership.add(db, conflict);
    }

    CompletableFuture<Void> remove(Database db) {
        return membership.remove(db);
    }

    CompletableFuture<Void> updateWeight(Database db, double weight) {
        return membership.updateWeight(db, weight);
    }

    /**
     * Makes {@code db} active if its latest health check passed, whatever its circuit says, and pins
     * it (see {@link Switching}): neither health results nor the fallback timer move traffic away from
     * it until it fails a health check.
     */
    CompletableFuture<Void> setActive(Database db) {
        return coordinator.call(result -> {
            D target = membership.find(db);
            if (target == null) {
                result.completeExceptionally(new IllegalArgumentException("unknown database: " + db));
                return;
            }
            if (!target.isHealthy()) {
                result.completeExceptionally(new NoValidDatabaseException("database '" + target.name()
                        + "' cannot be made active: its last health check failed (circuit " + target.circuitState() + ")"));
                return;
            }
            RuntimeException maintenance = controls.refusesManualChoice(target);
            if (maintenance != null) {
                result.completeExceptionally(maintenance);
                return;
            }
            switching.pin(target);
            if (target == switching.active()) {
                switching.cancelPendingSwitch(); // a switch away that was under way must not overrule the choice
                result.complete(null);
                return;
            }
            switching.switchTo(target, SwitchReason.MANUAL).whenComplete((ok, e) -> {
                if (e != null) {
                    result.completeExceptionally(e);
                } else {
                    result.complete(null);
                }
            });
        });
    }

    /** The client is closing: callers still waiting for the coordinator get an answer now. */
    void close() {
        coordinator.close();
    }

    String describeAll() {
        StringBuilder sb = new StringBuilder();
        for (D db : membership.databases()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(db.name()).append(" (circuit ").append(db.circuitState()).append(db.isHealthy() ? ", answers" : ", unhealthy")
                    .append(')');
        }
        return sb.toString();
    }

    // What the deterministic tests inspect after every step.

    Switching<D> switchingForTests() {
        return switching;
    }

    boolean timersRunning() {
        return stallWatch.running() && fallback.scheduledOrOff()
                && membership.databases().stream().allMatch(health::scheduled)
                && (switching.active() != null || window.rechecking());
    }
}
