package dev.multidb.detect;

import dev.multidb.Database;

/**
 * Watches the outcome of real commands (reactive monitoring) and says when a database should be
 * treated as failed. The client creates one {@link FailureTracker} per database and feeds it every
 * command outcome of that database.
 */
@FunctionalInterface
public interface FailureDetector {

    /**
     * Called once for every database, also for those added later.
     *
     * @param database the database to track
     * @return a new tracker for it
     */
    FailureTracker newTracker(Database database);
}
