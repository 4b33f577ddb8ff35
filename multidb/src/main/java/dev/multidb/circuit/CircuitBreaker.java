package dev.multidb.circuit;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A database's circuit breaker: CLOSED → OPEN on a failed health check or a tripped failure
 * detector; OPEN → HALF_OPEN when the grace period is over; HALF_OPEN → CLOSED on the next
 * passing health check, or back to OPEN (with a new grace period) on a failing one.
 *
 * <p>Transitions are made by one thread at a time (the client's coordinator); the state may be
 * read from any thread.
 */
public final class CircuitBreaker {

    /** A change of state, or {@code null} from the transition methods when nothing changed. */
    public record Transition(CircuitState from, CircuitState to) {
    }

    private final Duration gracePeriod;
    private final LongSupplier nanoClock;
    private volatile CircuitState state;
    private long openedAtNanos;

    public CircuitBreaker(Duration gracePeriod, LongSupplier nanoClock, CircuitState initial) {
        this.gracePeriod = gracePeriod;
        this.nanoClock = nanoClock;
        this.state = initial;
        this.openedAtNanos = nanoClock.getAsLong();
    }

    public CircuitState state() {
        return state;
    }

    public Duration gracePeriod() {
        return gracePeriod;
    }

    /** Nanos (of the clock) at which an OPEN circuit may go HALF_OPEN. */
    public long graceEndsAtNanos() {
        return openedAtNanos + gracePeriod.toNanos();
    }

    /** A health check passed. Within the grace period an open circuit stays open. */
    public Transition onHealthy() {
        return switch (state) {
            case CLOSED -> null;
            case HALF_OPEN -> moveTo(CircuitState.CLOSED);
            case OPEN -> graceOver() ? moveTo(CircuitState.CLOSED) : null;
        };
    }

    /** A health check failed or the failure detector tripped. */
    public Transition onFailure() {
        if (state == CircuitState.OPEN) {
            return null;
        }
        openedAtNanos = nanoClock.getAsLong();
        return moveTo(CircuitState.OPEN);
    }

    /** The grace timer fired: an open circuit whose grace period is over goes HALF_OPEN. */
    public Transition onGraceTimer() {
        if (state == CircuitState.OPEN && graceOver()) {
            return moveTo(CircuitState.HALF_OPEN);
        }
        return null;
    }

    private boolean graceOver() {
        return nanoClock.getAsLong() - openedAtNanos >= gracePeriod.toNanos();
    }

    private Transition moveTo(CircuitState to) {
        CircuitState from = state;
        state = to;
        return new Transition(from, to);
    }
}
