package dev.multidb.failover;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import dev.multidb.SwitchReason;
import dev.multidb.circuit.CircuitState;

/**
 * Auto fallback (DESIGN rule 7): every {@code autoFallbackInterval}, less a little jitter, traffic
 * moves back to a heavier database whose circuit is CLOSED, unless the active database is the
 * manual choice and still passes its health checks. Failover does not wait for this timer; only
 * moving away from a usable database does.
 *
 * <p>Runs on the coordinator thread only.
 */
final class FallbackTimer<D extends ManagedDatabase> {

    private final Coordinator coordinator;
    private final long intervalNanos;
    private final RandomGenerator random;
    private final Switching<D> switching;
    /** When the next run is due (clock nanos), or -1 when none is scheduled. */
    private long dueNanos = -1;

    FallbackTimer(Coordinator coordinator, Duration interval, RandomGenerator random, Switching<D> switching) {
        this.coordinator = coordinator;
        this.intervalNanos = interval.toNanos();
        this.random = random;
        this.switching = switching;
    }

    void start() {
        if (intervalNanos > 0) {
            scheduleNext();
        }
    }

    /** Whether the next run is scheduled, or the timer is off (for the tests' no-lost-timer invariant). */
    boolean scheduledOrOff() {
        return dueNanos >= 0 || intervalNanos <= 0;
    }

    private void scheduleNext() {
        // Jitter only ever shortens the wait (up to 10 %, at most 1 s), so a fleet of clients does not
        // move at the same instant and no client waits longer than the interval.
        long jitter = random.nextLong(Math.min(intervalNanos / 10, TimeUnit.SECONDS.toNanos(1)) + 1);
        long delay = intervalNanos - jitter;
        dueNanos = coordinator.now() + delay;
        if (coordinator.schedule(delay, this::run) == null) {
            dueNanos = -1; // closed
        }
    }

    private void run() {
        dueNanos = -1;
        try {
            fallbackIfBetter();
        } finally {
            scheduleNext();
        }
    }

    void fallbackIfBetter() {
        D current = switching.active();
        if (current == null || switching.standsPinned(current) || switching.forced() != null) {
            return; // a manual choice stands while its database is healthy; an operator's force stands, period
        }
        if (switching.switching() != null && switching.standsPinned(switching.switching())) {
            return; // a manual switch is under way: the timer does not overrule it
        }
        D best = switching.select();
        if (best != null && best != current && best.weight() > current.weight() && best.circuitState() == CircuitState.CLOSED) {
            switching.switchTo(best, SwitchReason.FALLBACK);
        }
    }
}
