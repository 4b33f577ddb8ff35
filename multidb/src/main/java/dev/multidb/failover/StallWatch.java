package dev.multidb.failover;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Notices when the active database stops answering while commands wait on it (DESIGN rule 3):
 * after {@code stallThreshold} without a single reply, it asks for an immediate health check, once
 * per stall. The health check, not reply timing, decides whether the database is dead or busy.
 *
 * <p>Runs on the coordinator thread only.
 */
final class StallWatch<D extends ManagedDatabase> {

    private static final System.Logger LOG = System.getLogger(StallWatch.class.getName());
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(25);

    private final Coordinator coordinator;
    private final long thresholdNanos;
    private final Duration threshold;
    private final Supplier<D> active;
    private final Consumer<D> suspect;

    private D watched;
    private long watchedCompleted;
    private long stallSinceNanos;
    private boolean reported;
    private ScheduledFuture<?> ticking;

    StallWatch(Coordinator coordinator, Duration threshold, Supplier<D> active, Consumer<D> suspect) {
        this.coordinator = coordinator;
        this.threshold = threshold;
        this.thresholdNanos = threshold.toNanos();
        this.active = active;
        this.suspect = suspect;
    }

    void start() {
        ticking = coordinator.scheduleAtFixedRate(this::tick, TICK_NANOS, TICK_NANOS);
    }

    /** Whether the watch is ticking (for the tests' no-lost-timer invariant). */
    boolean running() {
        return ticking != null && !ticking.isCancelled();
    }

    void tick() {
        D current = active.get();
        if (current == null) {
            watched = null;
            return;
        }
        long completed = current.completedCount();
        long dispatched = current.dispatchedCount();
        long now = coordinator.now();
        if (current != watched || completed != watchedCompleted || dispatched <= completed) {
            watched = current;
            watchedCompleted = completed;
            stallSinceNanos = now;
            reported = false;
            return;
        }
        if (!reported && now - stallSinceNanos >= thresholdNanos) {
            reported = true;
            LOG.log(Level.DEBUG, "no reply from '" + current.name() + "' for " + threshold + ": checking its health");
            suspect.accept(current);
        }
    }
}
