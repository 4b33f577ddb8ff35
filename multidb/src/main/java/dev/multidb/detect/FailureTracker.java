package dev.multidb.detect;

/**
 * The per-database state of a {@link FailureDetector}. {@link #recordSuccess()} is called for
 * every successful command, on Lettuce's I/O threads: it must be cheap and must never block. An
 * exception a tracker throws is logged (once per tracker) and skipped: it never keeps a command
 * from completing.
 */
public interface FailureTracker {

    /** A command got a reply (a Redis error reply counts as a reply). */
    void recordSuccess();

    /**
     * A command failed with a connection error or a timeout, or the database refused it
     * (CLUSTERDOWN, TRYAGAIN, LOADING, MASTERDOWN). Each command of a pipeline counts.
     *
     * @param cause the failure
     * @return {@code true} when the database should now be treated as failed
     */
    boolean recordFailure(Throwable cause);

    /** {@return {commands, failures} in the current window, for status; {@code null} when the tracker does not count} */
    default long[] windowCounts() {
        return null;
    }

    /** Forget the history, e.g. when the database's circuit closes again. */
    void reset();
}
