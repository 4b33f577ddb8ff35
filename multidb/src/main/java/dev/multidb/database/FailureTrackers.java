package dev.multidb.database;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.multidb.detect.FailureTracker;

/**
 * The failure trackers of one database (one per failure detector), fed by every command outcome.
 * Trackers are application code: one that throws is logged once and skipped, never allowed to
 * keep a command from completing. Recording is lock-free (the hot path reads one volatile array).
 */
public final class FailureTrackers implements Iterable<FailureTracker> {

    private static final System.Logger LOG = System.getLogger(FailureTrackers.class.getName());

    private final String database;
    private volatile FailureTracker[] trackers = new FailureTracker[0];
    private final Set<FailureTracker> failureLogged = ConcurrentHashMap.newKeySet();

    FailureTrackers(String database) {
        this.database = database;
    }

    synchronized void add(FailureTracker tracker) {
        FailureTracker[] grown = Arrays.copyOf(trackers, trackers.length + 1);
        grown[trackers.length] = tracker;
        trackers = grown;
    }

    /** A command got a reply: every tracker counts it. */
    public void recordSuccess() {
        for (FailureTracker tracker : trackers) {
            try {
                tracker.recordSuccess();
            } catch (RuntimeException e) {
                failed(tracker, e);
            }
        }
    }

    /** A command failed: every tracker counts it; {@code true} when one of them says the database failed. */
    public boolean recordFailure(Throwable cause) {
        boolean tripped = false;
        for (FailureTracker tracker : trackers) {
            try {
                tripped |= tracker.recordFailure(cause);
            } catch (RuntimeException e) {
                failed(tracker, e);
            }
        }
        return tripped;
    }

    /** Forgets every tracker's history (a closed circuit starts afresh). */
    void reset() {
        for (FailureTracker tracker : trackers) {
            try {
                tracker.reset();
            } catch (RuntimeException e) {
                failed(tracker, e);
            }
        }
    }

    @Override
    public Iterator<FailureTracker> iterator() {
        return Arrays.asList(trackers).iterator();
    }

    private void failed(FailureTracker tracker, RuntimeException e) {
        if (failureLogged.add(tracker)) { // once per tracker: it may throw for every command
            LOG.log(System.Logger.Level.WARNING, "failure tracker " + tracker.getClass().getName() + " of database '"
                    + database + "' threw; its verdicts are skipped", e);
        }
    }
}
