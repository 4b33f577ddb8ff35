package dev.multidb.detect;

import dev.multidb.Database;

/**
 * Watches the outcome of real commands (reactive monitoring) and says when a database should be
 * treated as failed. The client creates one {@link FailureTracker} per database and feeds it every
 * command outcome of that database.
 */
@FunctionalInterface
public interface FailureDetector {

    /** A new tracker for one database. */
    FailureTracker newTracker(Database database);
}
