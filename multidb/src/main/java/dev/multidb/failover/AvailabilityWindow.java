package dev.multidb.failover;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

import dev.multidb.NoValidDatabaseException;
import dev.multidb.TemporaryUnavailableException;

/**
 * The time without a usable database (DESIGN rule 7): TemporaryUnavailable for
 * {@code failoverAttempts × failoverDelay} of clock time from the moment the last usable database
 * was lost, NoValidDatabase after that, whether or not commands keep arriving. Meanwhile every
 * member is re-checked often, with a single probe, so the first one that answers ends the outage.
 *
 * <p>Runs on the coordinator thread, except {@link #unavailable} which the command path calls.
 */
final class AvailabilityWindow<D extends ManagedDatabase> {

    private static final System.Logger LOG = System.getLogger(AvailabilityWindow.class.getName());
    static final long RECHECK_MILLIS = 500;

    private final Coordinator coordinator;
    private final long windowNanos;
    private final int failoverAttempts;
    private final Duration failoverDelay;
    private final long recheckMillis;
    private final Supplier<List<D>> members;
    private final Supplier<D> active;
    private final Predicate<D> suspectInFlight;
    private final HealthScheduling<D> health;

    private volatile long unavailableSinceNanos;
    /** Whether the {@link #recheck()} loop runs. */
    private boolean rechecking;

    AvailabilityWindow(Coordinator coordinator, int failoverAttempts, Duration failoverDelay, Duration healthCheckInterval,
            Supplier<List<D>> members, Supplier<D> active, HealthScheduling<D> health) {
        this.coordinator = coordinator;
        this.failoverAttempts = failoverAttempts;
        this.failoverDelay = failoverDelay;
        this.windowNanos = failoverDelay.toNanos() * failoverAttempts;
        this.recheckMillis = Math.min(RECHECK_MILLIS, healthCheckInterval.toMillis());
        this.members = members;
        this.active = active;
        this.health = health;
        this.suspectInFlight = health::suspectInFlight;
    }

    /** The outage starts now. Called before the active database is dropped, so a reader that sees none sees this time. */
    void start() {
        unavailableSinceNanos = coordinator.now();
    }

    /** The outage started before anything was active (start-up found nothing usable). */
    void startWithoutActive() {
        start();
        coordinator.execute(this::startRechecking);
    }

    /** The active database was just lost. */
    void lost(String states) {
        LOG.log(Level.ERROR, "no database is usable: " + states);
        startRechecking();
    }

    long unavailableSinceNanos() {
        return unavailableSinceNanos;
    }

    long windowNanos() {
        return windowNanos;
    }

    /** Why no database can take a command now: which exception depends on how long it has been. */
    RuntimeException unavailable(String states) {
        long unavailableFor = coordinator.now() - unavailableSinceNanos;
        if (unavailableFor < windowNanos) {
            return new TemporaryUnavailableException("no database is usable right now (for "
                    + Duration.ofNanos(unavailableFor).toMillis() + " ms; NoValidDatabaseException after "
                    + Duration.ofNanos(windowNanos).toSeconds() + " s): " + states);
        }
        return new NoValidDatabaseException("no database has been usable for " + Duration.ofNanos(unavailableFor).toSeconds()
                + " s (failoverAttempts " + failoverAttempts + " × failoverDelay " + failoverDelay + "): " + states);
    }

    private void startRechecking() {
        if (!rechecking) {
            rechecking = true;
            recheck();
        }
    }

    /** Whether the re-check loop is running (for the tests' no-lost-timer invariant). */
    boolean rechecking() {
        return rechecking;
    }

    /**
     * While no database is usable, checks every database every {@value #RECHECK_MILLIS} ms (or at the
     * health-check interval if that is shorter) instead of waiting for its next interval, with a
     * single probe: the first one that answers again ends the outage (its grace period and the probe
     * policy notwithstanding, rule 1); its regular checks go on as configured.
     */
    private void recheck() {
        if (active.get() != null) {
            rechecking = false;
            return;
        }
        for (D db : members.get()) {
            if (!suspectInFlight.test(db)) {
                health.check(db, true, true);
            }
        }
        if (coordinator.schedule(Duration.ofMillis(recheckMillis), this::recheck) == null) {
            rechecking = false; // closed
        }
    }
}
