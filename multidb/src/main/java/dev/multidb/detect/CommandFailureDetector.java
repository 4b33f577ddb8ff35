package dev.multidb.detect;

import java.time.Duration;
import java.util.function.LongSupplier;

import dev.multidb.Database;

/**
 * The default failure detector: a database has failed when, over a sliding window, at least
 * {@code minFailures} commands failed AND they were at least {@code rateThreshold} of all
 * commands. Only connection errors and timeouts are counted as failures; Redis error replies
 * (WRONGTYPE, …) are replies.
 */
public final class CommandFailureDetector implements FailureDetector {

    private static final int SLICES = 20;

    private final int minFailures;
    private final double rateThreshold;
    private final Duration window;
    private final LongSupplier nanoClock;

    /**
     * A detector that trips when both thresholds are met over a sliding window.
     *
     * @param minFailures   failures in the window needed to trip, 1 or more
     * @param rateThreshold fraction of failed commands in the window needed to trip, in (0, 1]
     * @param window        the length of the sliding window, positive
     * @throws IllegalArgumentException naming the invalid value
     */
    public CommandFailureDetector(int minFailures, double rateThreshold, Duration window) {
        this(minFailures, rateThreshold, window, System::nanoTime);
    }

    /**
     * With a controllable clock, for tests.
     *
     * @param minFailures   failures in the window needed to trip, 1 or more
     * @param rateThreshold fraction of failed commands in the window needed to trip, in (0, 1]
     * @param window        the length of the sliding window, positive
     * @param nanoClock     the clock, in nanoseconds, as {@link System#nanoTime()}
     * @throws IllegalArgumentException naming the invalid value
     */
    public CommandFailureDetector(int minFailures, double rateThreshold, Duration window, LongSupplier nanoClock) {
        if (minFailures < 1) {
            throw new IllegalArgumentException("minNumFailures must be >= 1, was " + minFailures);
        }
        if (!(rateThreshold > 0 && rateThreshold <= 1)) {
            throw new IllegalArgumentException("failureRateThreshold must be in (0, 1], was " + rateThreshold);
        }
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("failuresDetectionWindow must be positive, was " + window);
        }
        this.minFailures = minFailures;
        this.rateThreshold = rateThreshold;
        this.window = window;
        this.nanoClock = nanoClock;
    }

    @Override
    public FailureTracker newTracker(Database database) {
        SlidingWindow counts = new SlidingWindow(window.toNanos(), SLICES, nanoClock);
        return new FailureTracker() {
            @Override
            public void recordSuccess() {
                counts.record(false);
            }

            @Override
            public boolean recordFailure(Throwable cause) {
                counts.record(true);
                long[] totalAndFailures = counts.counts();
                long failures = totalAndFailures[1];
                return failures >= minFailures && failures >= rateThreshold * totalAndFailures[0];
            }

            @Override
            public long[] windowCounts() {
                return counts.counts();
            }

            @Override
            public void reset() {
                counts.reset();
            }
        };
    }

    @Override
    public String toString() {
        return "CommandFailureDetector[" + minFailures + " failures and " + rateThreshold * 100 + "% in " + window + "]";
    }
}
